package dev.warden.frontend.postgres;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.core.mask.OutputMasks;
import dev.warden.core.policy.Masking;
import dev.warden.core.session.Admission;
import dev.warden.core.sql.CopyFormat;
import dev.warden.protocol.postgres.message.CommandComplete;
import dev.warden.protocol.postgres.message.CopyBothResponse;
import dev.warden.protocol.postgres.message.CopyData;
import dev.warden.protocol.postgres.message.CopyDone;
import dev.warden.protocol.postgres.message.CopyInResponse;
import dev.warden.protocol.postgres.message.CopyOutResponse;
import dev.warden.protocol.postgres.message.DataRow;
import dev.warden.protocol.postgres.message.EmptyQueryResponse;
import dev.warden.protocol.postgres.message.ErrorResponse;
import java.util.concurrent.CompletableFuture;

/**
 * A statement the database runs for the client — a simple Query or an Execute — and its results:
 * rows are counted (and cut at the policy's row limit), masked where the session sees masked values
 * (only rows that change are rewritten), kept for the audit trail as the client saw them; COPY TO
 * STDOUT is masked like rows; a write under a row-affected limit is checked against its command tag
 * before it can commit; the outcome is recorded when the statement ends.
 */
abstract sealed class ResultsSent extends InFlight permits QuerySent, ExecuteSent {
  final Admission admission;

  /** What the session sees masked (null: nothing, results pass untouched), and the traced masks. */
  Masking masking;

  OutputMasks outputMasks = OutputMasks.NONE;

  /**
   * Its audit record's durability, when it ran before it (free of effects): nothing of its result
   * reaches the client before this completes. Null when the record was durable before it ran.
   */
  CompletableFuture<Void> durable;

  /** Whether the client's output was held for {@link #durable} (at its first response). */
  boolean gated;

  /** The result as the client saw it, for the audit trail (null when results are not kept). */
  ResultCapture capture;

  /** When the statement was sent (for its duration in the audit trail). */
  final long startNanos = System.nanoTime();

  /** Rows returned so far, and of the current statement of a Query. Event loop only. */
  long rows;

  long statementRows;

  /** The policy's maxRowsReturned and maxRowsAffected for this statement; 0 for none. */
  long rowLimit;

  long writeLimit;

  /** Rows past maxRowsReturned are dropped. */
  boolean truncated;

  /**
   * A write under maxRowsAffected: the client's next messages wait until the command tag's count is
   * known, and the write is undone when the count is over.
   */
  boolean guarded;

  /** The current COPY … TO STDOUT's mask, when the session sees masked values. */
  CopyMask copyMask;

  /** A COPY whose rows cannot be masked: they are dropped and the statement ends in an error. */
  boolean copyRefused;

  /** The SQLSTATE of the error that ended the statement, or null. */
  String errorSqlState;

  /**
   * The error the client gets instead of the database's: for a refused Query, or a COPY FROM Warden
   * failed (a mask written back). Null otherwise.
   */
  ErrorResponse replacement;

  ResultsSent(Admission admission) {
    this.admission = admission;
  }

  @Override
  ErrorResponse replacement() {
    return replacement;
  }

  @Override
  ResultCapture capture() {
    return capture;
  }

  /** Rows delivered by earlier Executes of the same portal (fetch-size batches). */
  long rowsBefore() {
    return 0;
  }

  /** The current result's mask plan (null: nothing to mask). */
  abstract MaskPlan plan(BackendFrame row, BackendRelayHandler relay);

  /** A DataRow, or a row of COPY TO STDOUT: counted, cut at the limit, masked, captured. */
  final boolean row(BackendFrame frame, BackendRelayHandler relay) {
    if (rowLimit > 0 && rowsBefore() + statementRows >= rowLimit) {
      truncated = true;
      return false;
    }
    rows++;
    statementRows++;
    if (capture == null || capture.full()) {
      return masking == null || mask(frame, relay);
    }
    // Kept for the audit trail as the client gets it: masked when masking rewrote it.
    relay.lastTarget = null;
    boolean unchanged = masking == null || mask(frame, relay);
    var sent =
        unchanged
            ? frame.slice()
            : relay.lastTarget == null
                ? null
                : relay.lastTarget.slice(
                    relay.lastStart, relay.lastTarget.writerIndex() - relay.lastStart);
    if (sent != null) {
      if (frame.type() == DataRow.TYPE) {
        capture.row(sent);
      } else {
        capture.copyLine(sent);
      }
    }
    return unchanged;
  }

  /** Masks one row (or COPY line); false when it was rewritten (or dropped). */
  private boolean mask(BackendFrame frame, BackendRelayHandler relay) {
    if (frame.type() == CopyData.TYPE) {
      if (copyRefused || copyMask == null) {
        return false;
      }
      return !copyMask.rewrite(frame.slice(), relay::rowTarget);
    }
    MaskPlan plan = plan(frame, relay);
    if (plan == null || plan == MaskPlan.NONE) {
      return true;
    }
    return !plan.rewrite(frame.slice(), relay::rowTarget);
  }

  /** The start of a COPY: TO STDOUT is masked field by field, like rows. */
  final boolean copy(BackendFrame frame, BackendRelayHandler relay) {
    if (frame.type() == CopyOutResponse.TYPE && masking != null) {
      copyMask = null;
      copyRefused = false;
      CopyFormat format = copyFormat();
      boolean binary = frame.buffer().getByte(frame.offset() + 5) == 1;
      if (format == null) {
        format = binary ? COPY_BINARY : CopyFormat.TEXT;
      }
      if (format.understood() && format.binary() == binary) {
        copyMask =
            CopyMask.of(
                format, frame.buffer().getUnsignedShort(frame.offset() + 6), outputMasks, masking);
      } else {
        copyRefused = true;
      }
    }
    return true;
  }

  /** Whether a message is part of a COPY's exchange (its start or its end). */
  static boolean isCopy(char type) {
    return type == CopyInResponse.TYPE
        || type == CopyOutResponse.TYPE
        || type == CopyBothResponse.TYPE
        || type == CopyDone.TYPE;
  }

  private static final CopyFormat COPY_BINARY =
      new CopyFormat("binary", '\t', '"', '"', "", false, true);

  /** The COPY … TO part of the statement, or null. */
  private CopyFormat copyFormat() {
    for (var part : admission.statement().parts()) {
      if (part.copyFormat() != null && part.operations().contains("COPY TO STDOUT")) {
        return part.copyFormat();
      }
    }
    return null;
  }

  /**
   * CommandComplete or EmptyQueryResponse: a statement ends. A truncated result gets a warning and
   * a tag counting the rows delivered; a guarded write's count is checked against its limit.
   */
  final boolean completed(BackendFrame frame, BackendRelayHandler relay) {
    boolean relayed = true;
    String tag =
        frame.type() == CommandComplete.TYPE ? ((CommandComplete) frame.decode()).tag() : null;
    if (capture != null && tag != null) {
      long count = RowLimits.affectedRows(tag);
      capture.tagCount = Math.max(capture.tagCount, 0) + Math.max(count, 0);
      capture.endResult(tag);
    }
    if (tag != null && copyRefused) {
      relayed = false;
      copyRefused = false;
      errorSqlState = PostgresErrors.sqlState(ErrorCode.FEATURE_NOT_SUPPORTED);
      relay.substitutes.add(
          PostgresErrors.error(
              new WardenException(
                  ErrorCode.FEATURE_NOT_SUPPORTED,
                  "this COPY's output format cannot be masked; no rows were sent",
                  "use COPY … TO STDOUT with the default options of text, CSV or binary, or"
                      + " SELECT")));
    } else if (tag != null && truncated) {
      relayed = false;
      relay.limits.truncated(this, tag);
    } else if (tag != null && guarded) {
      long affected = RowLimits.affectedRows(tag);
      if (affected > writeLimit) {
        relayed = false;
        relay.limits.overLimit(this, tag.split(" ", 2)[0], affected);
      }
    }
    statementRows = 0;
    truncated = false;
    ended(relay);
    return relayed;
  }

  /** After a CommandComplete or EmptyQueryResponse: an Execute ends here, a Query goes on. */
  abstract void ended(BackendRelayHandler relay);

  /** Whether a message type is a statement's end. */
  static boolean isEnd(char type) {
    return type == CommandComplete.TYPE || type == EmptyQueryResponse.TYPE;
  }

  /** The statement's responses are complete: its outcome is recorded. */
  final void finish(BackendRelayHandler relay, String sqlState) {
    if (sqlState == null) {
      relay.session.completed(admission.statement());
    }
    relay.session.admissions.completed(
        admission, rows, sqlState, capture == null ? null : capture.seen(startNanos));
  }
}
