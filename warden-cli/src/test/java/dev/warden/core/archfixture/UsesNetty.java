package dev.warden.core.archfixture;

import io.netty.buffer.ByteBuf;

/** A kernel class that breaks the rule (test fixture for ArchitectureTest only). */
public final class UsesNetty {
  private UsesNetty() {}

  public static int size(ByteBuf buffer) {
    return buffer.readableBytes();
  }
}
