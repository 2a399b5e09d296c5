package dev.warden.core.admission;

import dev.warden.core.mask.OutputMasks;
import dev.warden.core.policy.Decision;
import dev.warden.core.policy.Limits;
import dev.warden.core.policy.Masking;
import dev.warden.core.session.Admission;
import java.util.concurrent.CompletableFuture;

/**
 * How the kernel admitted a statement: it runs, with its limits and what of its result is masked,
 * or it is refused, naming the rule. Either way it is recorded (a run: durably, before this
 * verdict, when the audit trail is write-ahead). A held statement's verdict comes once its approval
 * ended.
 */
public sealed interface Verdict {
  /** The recorded admission (its statement id, statement and decision). */
  Admission admission();

  /**
   * It may run.
   *
   * @param limits the limits it runs under (rows returned, rows affected)
   * @param masking what the session sees masked, or null when nothing is (results pass untouched)
   * @param outputs the masks the analysis traced to its result columns
   * @param durable null when its record is durable already (or the trail is not write-ahead); else
   *     it may be forwarded now — it is free of effects — but no byte of its result may reach the
   *     client before this completes, on the session's loop. If it fails, the record is lost: the
   *     result must never reach the client, and the door ends the session.
   */
  record Run(
      Admission admission,
      Limits limits,
      Masking masking,
      OutputMasks outputs,
      CompletableFuture<Void> durable)
      implements Verdict {

    /** A run whose record is durable already. */
    public Run(Admission admission, Limits limits, Masking masking, OutputMasks outputs) {
      this(admission, limits, masking, outputs, null);
    }

    Run withDurable(CompletableFuture<Void> durable) {
      return new Run(admission, limits, masking, outputs, durable);
    }

    /**
     * The rows it may affect when it is a guarded write — it writes a table and its rule sets
     * maxRowsAffected: the door must see its count before it can commit, and undo it when over; 0
     * when it is not guarded.
     */
    public long writeLimit() {
      if (limits.maxRowsAffected() <= 0) {
        return 0;
      }
      for (var part : admission.statement().parts()) {
        if (!part.writes().isEmpty()) {
          return limits.maxRowsAffected();
        }
      }
      return 0;
    }
  }

  /** It must not run: the database never sees it, the client gets the rule, reason and hint. */
  record Refuse(Admission admission, Decision.Deny deny) implements Verdict {}
}
