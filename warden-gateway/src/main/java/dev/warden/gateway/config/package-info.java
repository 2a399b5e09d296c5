/** The typed configuration tree, read from one JSON or YAML file and validated at load. */
package dev.warden.gateway.config;
