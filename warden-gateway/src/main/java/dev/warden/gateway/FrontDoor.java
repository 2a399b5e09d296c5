package dev.warden.gateway;

import io.netty.channel.ChannelHandler;

/**
 * A protocol's way in: what the server puts on each accepted connection of its listener. The
 * PostgreSQL door speaks the PostgreSQL wire protocol; others (MySQL, MCP) are other doors to the
 * same enforcement.
 */
public interface FrontDoor {
  /** The listener's configuration key ({@code listen.postgres}), for messages. */
  String setting();

  /** The handler that builds a new connection's pipeline (usually a ChannelInitializer). */
  ChannelHandler initializer();
}
