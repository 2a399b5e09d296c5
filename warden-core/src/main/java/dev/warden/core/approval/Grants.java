package dev.warden.core.approval;

import dev.warden.core.audit.AuditEvent;
import dev.warden.core.audit.AuditLog;
import dev.warden.core.policy.Decision;
import dev.warden.core.policy.DeclarativePolicyEngine;
import dev.warden.core.policy.Limits;
import dev.warden.core.policy.Policy;
import dev.warden.core.session.SessionContext;
import dev.warden.core.sql.FunctionCatalog;
import dev.warden.core.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Just-in-time grants: created for a bounded time by someone allowed to (the admin API checks the
 * permission), listed, revocable, expiring by themselves; every use audited. A grant is matched by
 * the policy engine itself, as a one-rule policy, so it means exactly what the same allow rule
 * would.
 */
public final class Grants {
  private final Map<String, JitGrant> grants = new ConcurrentHashMap<>();
  private final Map<String, DeclarativePolicyEngine> engines = new ConcurrentHashMap<>();

  /** Revoked here, but the store has not saved it yet. */
  private final Set<String> unsaved = ConcurrentHashMap.newKeySet();

  private final GrantStore store;
  private final AuditLog audit;
  private final Clock clock;

  /**
   * Grants kept in {@code store}; those that have not ended more than a day ago are read from it
   * now (a restart keeps active grants active and revoked ones revoked).
   */
  public Grants(GrantStore store, AuditLog audit, Clock clock) throws Exception {
    this.store = store;
    this.audit = audit;
    this.clock = clock;
    for (JitGrant grant : store.load(clock.instant().minus(Duration.ofDays(1)))) {
      grants.put(grant.id(), grant);
    }
  }

  /** Creates a grant lasting {@code duration}. */
  public JitGrant create(JitGrant draft, Duration duration, String createdBy)
      throws ApprovalException {
    if ((draft.subject() == null) == (draft.group() == null)) {
      throw new ApprovalException(400, "a grant names an identity or a group (one of them)");
    }
    if (draft.reason() == null || draft.reason().isBlank()) {
      throw new ApprovalException(400, "a grant needs a reason (a job id, a ticket)");
    }
    if (duration.isNegative() || duration.isZero() || duration.compareTo(Duration.ofDays(1)) > 0) {
      throw new ApprovalException(400, "a grant lasts more than nothing and at most a day");
    }
    if (draft.connection() == null || draft.connection().isBlank()) {
      throw new ApprovalException(400, "a grant is for one connection");
    }
    Instant now = clock.instant();
    JitGrant grant =
        new JitGrant(
            "grt_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20),
            draft.subject(),
            draft.group(),
            draft.connection(),
            draft.classes(),
            draft.verbs(),
            draft.objects(),
            draft.reason(),
            createdBy,
            now,
            now.plus(duration),
            null,
            null);
    persist(grant);
    grants.put(grant.id(), grant);
    record(grant, "created", createdBy);
    return grant;
  }

  /**
   * Revokes a grant. It stops applying at once, even when the store does not save the revocation
   * (then the caller is told, and may revoke it again to save it).
   */
  public JitGrant revoke(String id, String by) throws ApprovalException {
    JitGrant grant = grants.get(id);
    if (grant == null) {
      throw new ApprovalException(404, "no grant " + id);
    }
    if (grant.revokedAt() != null && !unsaved.contains(id)) {
      throw new ApprovalException(409, "grant " + id + " is already revoked");
    }
    JitGrant revoked = grant.revokedAt() != null ? grant : grant.revoked(by, clock.instant());
    grants.put(id, revoked);
    engines.remove(id);
    try {
      store.save(revoked);
    } catch (Exception e) {
      unsaved.add(id);
      throw new ApprovalException(
          503,
          "grant "
              + id
              + " is revoked in this gateway, but the grant store did not save the revocation ("
              + e.getMessage()
              + "); revoke it again once the store answers, or it applies again after a restart");
    }
    unsaved.remove(id);
    record(revoked, "revoked", by);
    return revoked;
  }

  /**
   * Reads the grants again from the store, so grants created or revoked through another gateway
   * sharing it apply here too. A revocation made here that the store has not saved stays revoked.
   */
  public void refresh() throws Exception {
    Instant since = clock.instant().minus(Duration.ofDays(1));
    for (JitGrant stored : store.load(since)) {
      JitGrant held = grants.get(stored.id());
      if (held != null && held.revokedAt() != null && stored.revokedAt() == null) {
        continue; // revoked here; the store has not caught up
      }
      if (!stored.equals(held)) {
        grants.put(stored.id(), stored);
        engines.remove(stored.id());
      }
    }
  }

  public List<JitGrant> list(boolean activeOnly) {
    Instant now = clock.instant();
    List<JitGrant> out = new ArrayList<>();
    for (JitGrant g : grants.values()) {
      if (!activeOnly || g.active(now)) {
        out.add(g);
      }
    }
    out.sort(Comparator.comparing(JitGrant::createdAt).reversed());
    return out;
  }

  public Optional<JitGrant> find(String id) {
    return Optional.ofNullable(grants.get(id));
  }

  /**
   * The decision of an active grant for this session's statement (an {@link Decision.Allow} whose
   * rule is {@code grant:ID}), or empty. Every use is recorded.
   */
  public Optional<Decision> decide(
      SessionContext session, Statement statement, FunctionCatalog functions) {
    Instant now = clock.instant();
    for (JitGrant grant : grants.values()) {
      if (!grant.active(now)
          || !grant.connection().equals(session.connection())
          || !(grant.subject() != null
              ? grant.subject().equals(session.identity().subject())
              : session.identity().groups().contains(grant.group())
                  || session.roles().contains(grant.group()))) {
        continue;
      }
      Decision decision =
          engine(grant)
              .decide(
                  session.identity(), Set.of("jit"), session.connection(), statement, functions);
      if (decision instanceof Decision.Allow) {
        record(grant, "used", session.identity().subject());
        return Optional.of(new Decision.Allow("grant:" + grant.id(), Limits.NONE));
      }
    }
    return Optional.empty();
  }

  private DeclarativePolicyEngine engine(JitGrant grant) {
    return engines.computeIfAbsent(
        grant.id(),
        id ->
            new DeclarativePolicyEngine(
                new Policy(
                    List.of(
                        new Policy.Grant(
                            id,
                            Set.of("jit"),
                            Set.of(grant.connection()),
                            List.of(
                                new Policy.Rule(
                                    "grant:" + id,
                                    grant.classes(),
                                    grant.verbs(),
                                    grant.objects(),
                                    List.of(),
                                    null,
                                    Set.of(),
                                    null,
                                    false,
                                    1)),
                            List.of(),
                            List.of(),
                            Limits.NONE,
                            List.of(),
                            Set.of())),
                    Policy.DEFAULT_VOLATILE_FUNCTIONS)));
  }

  /** Saves first: a grant (or revocation) the store did not keep is refused, not half-made. */
  private void persist(JitGrant grant) throws ApprovalException {
    try {
      store.save(grant);
    } catch (Exception e) {
      throw new ApprovalException(
          503, "the grant store did not save grant " + grant.id() + ": " + e.getMessage());
    }
  }

  private void record(JitGrant grant, String step, String actor) {
    audit.append(new AuditEvent.GrantChanged(clock.instant(), grant.id(), step, actor, grant));
  }
}
