/** OIDC tokens as credentials: trusted issuers, their cached signing keys, JWT validation. */
package dev.warden.oidc;
