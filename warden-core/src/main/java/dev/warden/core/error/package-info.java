/** Warden's categorised failures, turned into wire errors by each protocol adapter. */
package dev.warden.core.error;
