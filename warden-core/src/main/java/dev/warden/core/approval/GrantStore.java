package dev.warden.core.approval;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Where just-in-time grants are kept: the audit store (they survive a restart), or memory when
 * there is none.
 */
public interface GrantStore {
  /** Saves a new grant or a grant's new state (revoked). */
  void save(JitGrant grant) throws Exception;

  /** Every grant that has not expired before {@code since} (active and recently ended ones). */
  List<JitGrant> load(java.time.Instant since) throws Exception;

  /** Kept in memory only: lost on restart (a gateway without an audit store). */
  final class InMemory implements GrantStore {
    private final ConcurrentMap<String, JitGrant> grants = new ConcurrentHashMap<>();

    @Override
    public void save(JitGrant grant) {
      grants.put(grant.id(), grant);
    }

    @Override
    public List<JitGrant> load(java.time.Instant since) {
      return grants.values().stream().filter(g -> !g.expiresAt().isBefore(since)).toList();
    }
  }
}
