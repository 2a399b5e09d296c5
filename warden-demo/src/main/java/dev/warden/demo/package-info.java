/** {@code warden demo}: an embedded shop database, the gateway in front of it, and identities. */
package dev.warden.demo;
