package dev.warden.core.approval;

import java.util.List;
import java.util.Optional;

/** Where approval requests are kept: the audit store, or memory when there is none. */
public interface ApprovalStore {
  void save(ApprovalRequest request) throws Exception;

  Optional<ApprovalRequest> find(String id) throws Exception;

  /** The newest first, at most {@code limit}; only pending ones when {@code pendingOnly}. */
  List<ApprovalRequest> list(boolean pendingOnly, int limit) throws Exception;

  /**
   * A change of one request, given its stored state; returning that same object changes nothing.
   */
  interface Change {
    ApprovalRequest apply(ApprovalRequest current) throws Exception;
  }

  /**
   * Applies {@code change} to the stored request atomically — no other change of it (from this
   * process or another gateway sharing the store) comes in between — and returns the result, or
   * empty when there is no such request. An exception from {@code change} leaves it as it was.
   */
  Optional<ApprovalRequest> update(String id, Change change) throws Exception;

  /** Kept in memory only: lost on restart (a gateway without an audit store). */
  final class InMemory implements ApprovalStore {
    private final java.util.concurrent.ConcurrentMap<String, ApprovalRequest> requests =
        new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public void save(ApprovalRequest request) {
      requests.put(request.id(), request);
    }

    @Override
    public Optional<ApprovalRequest> find(String id) {
      return Optional.ofNullable(requests.get(id));
    }

    @Override
    public synchronized Optional<ApprovalRequest> update(String id, Change change)
        throws Exception {
      ApprovalRequest current = requests.get(id);
      if (current == null) {
        return Optional.empty();
      }
      ApprovalRequest next = change.apply(current);
      requests.put(id, next);
      return Optional.of(next);
    }

    @Override
    public List<ApprovalRequest> list(boolean pendingOnly, int limit) {
      return requests.values().stream()
          .filter(r -> !pendingOnly || r.state() == ApprovalRequest.State.PENDING)
          .sorted(java.util.Comparator.comparing(ApprovalRequest::createdAt).reversed())
          .limit(limit)
          .toList();
    }
  }
}
