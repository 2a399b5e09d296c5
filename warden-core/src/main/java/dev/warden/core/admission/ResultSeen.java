package dev.warden.core.admission;

import dev.warden.core.audit.AuditEvent;
import java.util.List;

/**
 * A statement's result as its client saw it (after masking), kept for the audit trail and replay.
 *
 * @param results one per result the statement returned (a string of several statements has
 *     several), the last one possibly cut short by an error
 * @param messages the errors and notices, as the client got them
 * @param tagCount the rows the results' command tags counted, summed; -1 when none had a count
 * @param durationMicros how long the statement ran
 */
public record ResultSeen(
    List<AuditEvent.Result> results, List<String> messages, long tagCount, long durationMicros) {
  public ResultSeen {
    results = List.copyOf(results);
    messages = List.copyOf(messages);
  }
}
