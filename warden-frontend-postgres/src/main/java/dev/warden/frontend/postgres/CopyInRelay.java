package dev.warden.frontend.postgres;

import dev.warden.core.mask.MaskGuard;
import dev.warden.core.policy.Decision;
import dev.warden.core.policy.Masking;
import dev.warden.core.sql.Statement;
import dev.warden.protocol.postgres.message.CopyData;
import dev.warden.protocol.postgres.message.CopyFail;

/**
 * The client's rows of a COPY … FROM STDIN into masked columns: each is checked as it streams in
 * (the kernel's mask guard says which fields are masked), and one that writes a mask back fails the
 * COPY before the database commits anything — the database gets a CopyFail in place of the row, the
 * rest of the client's data is dropped, and the client gets Warden's error naming the rule.
 */
final class CopyInRelay {
  private final PostgresContext context;
  private final Session session;

  /** The check of the COPY running now (null when none, or it writes no masked column). */
  private CopyInCheck check;

  /** The statement it belongs to, whose error is replaced once Warden failed the COPY. */
  private ResultsSent statement;

  /** Warden failed the COPY: the client's further data is dropped. */
  private boolean refused;

  CopyInRelay(PostgresContext context, Session session) {
    this.context = context;
    this.session = session;
  }

  /** A statement starts; when it copies into masked columns, its rows will be checked. */
  void start(Statement statement, Masking masking, ResultsSent entry) {
    end();
    if (masking != null) {
      MaskGuard.CopyIn copy =
          MaskGuard.copyIn(
              statement, masking, context.catalogs().columns(session.context.connection()));
      check = copy == null ? null : new CopyInCheck(copy.format(), copy.masked());
      this.statement = check == null ? null : entry;
    }
  }

  /** A row of COPY data: true when it goes on to the database. */
  boolean data(CopyData m) {
    if (refused) {
      return false; // the server has failed the COPY and would drop it anyway
    }
    if (check == null) {
      return true;
    }
    int field = check.feed(m.data());
    if (field == 0) {
      return true;
    }
    fail(field);
    return false;
  }

  /** CopyDone: true when it goes on (the last row passed the check). */
  boolean done() {
    boolean forward = !refused;
    if (forward && check != null) {
      int field = check.finish();
      if (field != 0) {
        fail(field);
        forward = false;
      }
    }
    end();
    return forward;
  }

  /** The client's CopyFail: true when it goes on (Warden has not failed the COPY already). */
  boolean failed() {
    boolean forward = !refused;
    end();
    return forward;
  }

  private void fail(int field) {
    Decision.Deny deny = MaskGuard.copyWriteBack(field);
    refused = true;
    if (statement != null) {
      statement.replacement = PostgresErrors.error(Refusals.denial(deny));
    }
    session.backend.write(
        new CopyFail("warden: denied by rule " + deny.rule()), session.backend.voidPromise());
  }

  private void end() {
    check = null;
    statement = null;
    refused = false;
  }
}
