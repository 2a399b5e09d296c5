/** The gateway server: listeners, sessions, backend connections and the relay between them. */
package dev.warden.gateway;
