package dev.warden.cli;

/**
 * A subcommand that lives outside this module and is found on the class path with {@link
 * java.util.ServiceLoader} (listed in {@code META-INF/services/dev.warden.cli.Extension}): {@code
 * warden demo}, whose embedded databases and development identity provider are not on the gateway's
 * class path. An implementation is a picocli {@code @Command}.
 */
public interface Extension {}
