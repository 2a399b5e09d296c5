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

  /** Hold the statement until a person approves it. */
  record Hold(String rule, String reason) implements Decision {}
}
