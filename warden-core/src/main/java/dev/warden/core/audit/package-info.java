/** Audit events and where they are appended. */
package dev.warden.core.audit;
