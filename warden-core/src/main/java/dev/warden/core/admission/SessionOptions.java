package dev.warden.core.admission;

/**
 * What a door asks of a session's admission beyond the policy, set when the session opens. Each
 * option only narrows what the policy allows: a door may ask for it on any session.
 *
 * @param readOnly every part of every statement must be a read, a session setting or transaction
 *     control, and none may turn read-only off: anything else is refused under the built-in {@code
 *     read-only-session} rule, whatever the policy allows (the MCP door's {@code query} tool); the
 *     door also runs the database session read-only
 * @param askForApprovals a statement the policy holds is answered at once with its approval request
 *     (as a hold in {@code ask} mode), never waited on: the caller sends it again once it is
 *     approved (the MCP door, whose agents must not block on a person)
 */
public record SessionOptions(boolean readOnly, boolean askForApprovals) {
  public static final SessionOptions NONE = new SessionOptions(false, false);
}
