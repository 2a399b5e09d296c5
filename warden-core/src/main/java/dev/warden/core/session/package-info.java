/** The protocol-neutral path of a statement: analysis, decision, record. */
package dev.warden.core.session;
