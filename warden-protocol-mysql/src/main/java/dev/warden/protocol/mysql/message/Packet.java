package dev.warden.protocol.mysql.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCounted;

/**
 * One logical packet: its payload and the sequence id of its first physical packet. A payload of 16
 * MiB - 1 or more travels as several physical packets, each with the next sequence id; {@link
 * #lastSequenceId()} is the one the answer follows. The payload is owned by whoever holds the
 * packet: it is released once, by the handler that consumes it (or by the encoder that writes it).
 */
public record Packet(int sequenceId, ByteBuf payload) implements ReferenceCounted {
  /** The largest payload of one physical packet; a longer one continues in the next. */
  public static final int MAX_PHYSICAL = 0xFFFFFF;

  /** A packet over bytes the caller gives up. */
  public static Packet of(int sequenceId, byte[] payload) {
    return new Packet(sequenceId, Unpooled.wrappedBuffer(payload));
  }

  /** The sequence id of the last physical packet this one was (or will be) sent as. */
  public int lastSequenceId() {
    return (sequenceId + payload.readableBytes() / MAX_PHYSICAL) & 0xFF;
  }

  /** The payload's first byte (its header: 0x00 OK, 0xFF ERR, 0xFE EOF, or a command), or -1. */
  public int header() {
    return payload.readableBytes() == 0 ? -1 : payload.getUnsignedByte(payload.readerIndex());
  }

  public int length() {
    return payload.readableBytes();
  }

  @Override
  public int refCnt() {
    return payload.refCnt();
  }

  @Override
  public Packet retain() {
    payload.retain();
    return this;
  }

  @Override
  public Packet retain(int increment) {
    payload.retain(increment);
    return this;
  }

  @Override
  public Packet touch() {
    payload.touch();
    return this;
  }

  @Override
  public Packet touch(Object hint) {
    payload.touch(hint);
    return this;
  }

  @Override
  public boolean release() {
    return payload.release();
  }

  @Override
  public boolean release(int decrement) {
    return payload.release(decrement);
  }
}
