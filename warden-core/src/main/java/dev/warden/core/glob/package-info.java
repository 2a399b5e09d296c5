/** Name patterns with {@code *}, shared by role rules and policy rules. */
package dev.warden.core.glob;
