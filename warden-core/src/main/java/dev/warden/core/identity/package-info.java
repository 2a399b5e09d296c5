/** Who is calling: credentials, authenticators and the identities they establish. */
package dev.warden.core.identity;
