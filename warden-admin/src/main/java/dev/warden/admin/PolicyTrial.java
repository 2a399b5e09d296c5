package dev.warden.admin;

import dev.warden.core.policy.WhatIf;

/**
 * Tries a draft policy on the statements the audit trail recorded (the gateway's wiring holds the
 * trail, the analyzers and the catalogs; {@link WhatIf} decides).
 */
public interface PolicyTrial {
  /**
   * The report of {@code draft} (the policy's JSON text) over the statements recorded at or after
   * {@code sinceMillis}, at most {@code limit} of them.
   *
   * @throws dev.warden.core.policy.PolicyException when the draft is not a valid policy
   */
  WhatIf.Report trial(String draft, long sinceMillis, int limit) throws Exception;
}
