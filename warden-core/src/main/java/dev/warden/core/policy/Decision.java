package dev.warden.core.policy;

/**
 * What the policy decided for one statement. Most restrictive wins: deny, then hold, then allow.
 */
public sealed interface Decision {

  /** The id of the rule that made the decision. */
  String rule();

  /** Run the statement within these limits. */
  record Allow(String rule, Limits limits) implements Decision {}

  /** Refuse the statement; {@code reason} and {@code hint} are shown to the client. */
  record Deny(String rule, String reason, String hint) implements Decision {}

  /**
   * Hold the statement until a person approves it: one of {@code approvers} (groups or roles),
   * within {@code timeout} (null: the gateway's default); once approved it runs within {@code
   * limits}.
   */
  record Hold(
      String rule,
      String reason,
      java.util.Set<String> approvers,
      java.time.Duration timeout,
      Limits limits,
      boolean ask,
      int quorum)
      implements Decision {
    public Hold(String rule, String reason) {
      this(rule, reason, java.util.Set.of(), null, Limits.NONE, false, 1);
    }

    public Hold {
      approvers = java.util.Set.copyOf(approvers);
      limits = limits == null ? Limits.NONE : limits;
    }
  }
}
