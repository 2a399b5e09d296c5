/** TLS contexts towards clients and databases, and the generated development certificate. */
package dev.warden.gateway.tls;
