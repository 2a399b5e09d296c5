/** The {@code warden} command and its subcommands. */
package dev.warden.cli;
