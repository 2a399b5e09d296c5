/** Decisions over parsed statements: pure functions, no I/O. */
package dev.warden.core.policy;
