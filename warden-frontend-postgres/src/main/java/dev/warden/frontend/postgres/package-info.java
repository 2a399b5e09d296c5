/** The PostgreSQL adapter: client phases (startup, authentication, relay) and the backend side. */
package dev.warden.frontend.postgres;
