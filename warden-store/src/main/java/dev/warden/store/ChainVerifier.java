package dev.warden.store;

import java.security.PublicKey;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks the audit chain and reports the first record that was edited, deleted, inserted or moved:
 * every record's hash must match its content, link to its predecessor's hash, and follow it in
 * sequence; every signed checkpoint must verify and match the record it names. The walk starts at
 * the first record (linked to the genesis hash) or, after retention removed older records, at the
 * signed checkpoint the remaining records link to.
 */
public final class ChainVerifier {
  private ChainVerifier() {}

  /**
   * What a verification found. {@code position} is the sequence number of the first bad record (0
   * when none).
   */
  public record Report(
      boolean ok,
      long records,
      int checkpoints,
      long firstSeq,
      long lastSeq,
      long position,
      String problem) {}

  public static Report verify(AuditStore store, List<PublicKey> keys) throws SQLException {
    List<Checkpoint> checkpoints = store.checkpoints();
    Map<Long, Checkpoint> bySeq = new HashMap<>();
    for (Checkpoint c : checkpoints) {
      if (!AuditKeys.verify(c, keys)) {
        return new Report(
            false,
            0,
            checkpoints.size(),
            0,
            0,
            c.seq(),
            "the checkpoint at record "
                + c.seq()
                + " is not signed by a known key (key "
                + c.keyId()
                + "): it was forged or edited");
      }
      bySeq.put(c.seq(), c);
    }
    Walk walk = new Walk(bySeq);
    store.forEach(1, walk::next);
    if (walk.problem == null) {
      long last = walk.count == 0 ? 0 : walk.expected - 1;
      for (Checkpoint c : checkpoints) {
        if (c.seq() > last && (walk.count > 0 || c.seq() > 0)) {
          walk.fail(
              last + 1,
              "records "
                  + (last + 1)
                  + " to "
                  + c.seq()
                  + " are missing: a signed checkpoint names record "
                  + c.seq()
                  + " (deleted from the end of the trail)");
          break;
        }
      }
    }
    return new Report(
        walk.problem == null,
        walk.count,
        checkpoints.size(),
        walk.first,
        walk.count == 0 ? 0 : walk.lastSeen,
        walk.problem == null ? 0 : walk.position,
        walk.problem);
  }

  private static final class Walk {
    final Map<Long, Checkpoint> checkpoints;
    long expected = -1;
    String prev;
    long count;
    long first;
    long lastSeen;
    long position;
    String problem;

    Walk(Map<Long, Checkpoint> checkpoints) {
      this.checkpoints = checkpoints;
    }

    void fail(long at, String why) {
      if (problem == null) {
        position = at;
        problem = why;
      }
    }

    void next(AuditRecord r) {
      if (problem != null) {
        return;
      }
      count++;
      lastSeen = r.seq();
      if (expected < 0) {
        first = r.seq();
        if (r.seq() == 1) {
          prev = Chain.GENESIS;
        } else {
          Checkpoint base = checkpoints.get(r.seq() - 1);
          if (base == null) {
            fail(
                1,
                "records 1 to "
                    + (r.seq() - 1)
                    + " are missing and no signed checkpoint covers them (deleted)");
            return;
          }
          prev = base.hash();
        }
        expected = r.seq();
      }
      if (r.seq() != expected) {
        fail(
            expected,
            r.seq() > expected
                ? "record " + expected + " is missing (deleted)"
                : "record " + r.seq() + " is out of place");
        return;
      }
      if (!Chain.intact(r)) {
        fail(r.seq(), "record " + r.seq() + " was edited: its hash does not match its content");
        return;
      }
      if (!r.prevHash().equals(prev)) {
        fail(
            r.seq(),
            "record "
                + r.seq()
                + " does not follow record "
                + (r.seq() - 1)
                + ": records were edited, swapped or replaced");
        return;
      }
      Checkpoint c = checkpoints.get(r.seq());
      if (c != null && !c.hash().equals(r.hash())) {
        fail(
            r.seq(),
            "record "
                + r.seq()
                + " differs from the signed checkpoint: the chain was rewritten from here or before");
        return;
      }
      prev = r.hash();
      expected++;
    }
  }
}
