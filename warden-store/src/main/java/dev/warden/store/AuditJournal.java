package dev.warden.store;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only file in front of the embedded store: a batch of chained records is appended and
 * fsynced in one write (the durable point, far cheaper than a SQLite commit), and moved into the
 * store in large batches later. A gateway that stops without moving them leaves them here; {@link
 * #recover} puts them into the store the next time it is opened. Every record carries its seq and
 * hash, so what is replayed links to the store's head or is refused: the chain verifies it.
 *
 * <p>Frame: magic, payload length, payload (the record's fields), CRC-32C of the payload. A torn
 * last frame (a crash mid-write, never acknowledged) fails its check and ends the replay. The file
 * is locked while a gateway writes it; a reader that finds it locked leaves it alone.
 *
 * <p>The file is written once to {@link #PREALLOCATED} bytes and then overwritten from the start
 * after each move into the store: an fsync that does not grow the file has no metadata to write (on
 * this machine's disk 130-160 us instead of 230-290 us). What lies past the last frame of the
 * current round is older frames; a replay takes frames only while each follows the one before it in
 * the chain (next seq, previous hash), so it stops there.
 */
public final class AuditJournal implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditJournal.class);
  private static final int MAGIC = 0x57414a31; // "WAJ1"
  private static final int MAX_FRAME = 64 * 1024 * 1024;

  /** Bytes written once, up front, so appends overwrite rather than grow the file. */
  static final long PREALLOCATED = 16L * 1024 * 1024;

  /**
   * The journals this process holds. The one piece of process-wide state here, because the lock it
   * guards is process-wide: a POSIX record lock belongs to the process, and closing any channel on
   * the file (a reader in the same process trying the lock) would silently drop it.
   */
  private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;
  private final boolean fsync;
  private long size;
  private long forces;

  private AuditJournal(Path file, FileChannel channel, FileLock lock, boolean fsync)
      throws IOException {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
    this.fsync = fsync;
    // Opened after the store took what the journal held (recover): a round starts at the front.
    this.size = 0;
    preallocate();
  }

  private void preallocate() throws IOException {
    long length = channel.size();
    if (length >= PREALLOCATED) {
      return;
    }
    ByteBuffer zeros = ByteBuffer.allocate(1024 * 1024);
    while (length < PREALLOCATED) {
      zeros.clear();
      zeros.limit((int) Math.min(zeros.capacity(), PREALLOCATED - length));
      length += channel.write(zeros, length);
    }
    channel.force(true);
  }

  /** The journal of the embedded store in {@code database}. */
  public static Path beside(Path database) {
    return database.resolveSibling(database.getFileName() + ".journal");
  }

  /**
   * Opens and locks the journal for appending; {@code fsync}: each append reaches the disk before
   * it returns. Fails when another process (or another opener in this one) holds it.
   */
  public static AuditJournal open(Path file, boolean fsync) throws IOException {
    Path key = file.toAbsolutePath().normalize();
    if (!HELD.add(key)) {
      throw new IOException(file + " is in use by another gateway");
    }
    try {
      return locked(file, fsync);
    } catch (IOException | RuntimeException e) {
      HELD.remove(key);
      throw e;
    }
  }

  private static AuditJournal locked(Path file, boolean fsync) throws IOException {
    FileChannel channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      FileLock lock = lock(channel);
      if (lock == null) {
        throw new IOException(file + " is in use by another gateway");
      }
      return new AuditJournal(file, channel, lock, fsync);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private static FileLock lock(FileChannel channel) throws IOException {
    try {
      return channel.tryLock();
    } catch (OverlappingFileLockException e) {
      return null; // held in this process
    }
  }

  public Path file() {
    return file;
  }

  /** Appends the records in one write, durable when it returns (with fsync). All or none. */
  public void append(List<AuditRecord> records) throws IOException {
    append(records, true);
  }

  /**
   * Appends the records in one write; {@code durable}: fsynced before it returns (with fsync), else
   * made durable by the next durable append's fsync, which covers every write before it.
   */
  public void append(List<AuditRecord> records, boolean durable) throws IOException {
    ByteBuffer frames = encode(records);
    long before = size;
    try {
      while (frames.hasRemaining()) {
        channel.write(frames, size + frames.position());
      }
      if (fsync && durable) {
        channel.force(false);
        forces++;
      }
      size = before + frames.limit();
    } catch (IOException e) {
      // Nothing of a failed batch is acknowledged; the next batch overwrites it (and a replay
      // would take it only as records that ran nowhere: a record may exist without its statement).
      size = before;
      throw e;
    }
  }

  /**
   * Starts a new round at the front once the store holds (durably) everything in the journal. A
   * crash before the next append leaves the old round, which the store already has: replaying it
   * moves nothing.
   */
  public void clear() {
    size = 0;
  }

  /** How many appends were made durable with an fsync of their own (read after the writer). */
  long forces() {
    return forces;
  }

  /** Whether nothing waits in the journal. */
  public boolean isEmpty() {
    return size == 0;
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
      HELD.remove(file.toAbsolutePath().normalize());
    }
  }

  /**
   * Moves what a gateway left in the journal into the store and empties it — unless a running
   * gateway holds the journal (its records move in on their own). Returns how many records moved.
   */
  public static int recover(Path file, AuditStore store) {
    if (!Files.exists(file) || HELD.contains(file.toAbsolutePath().normalize())) {
      return 0; // none, or this process's own gateway holds it
    }
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      FileLock lock = lock(channel);
      if (lock == null) {
        return 0;
      }
      try {
        List<AuditRecord> records = read(channel);
        int moved = records.isEmpty() ? 0 : store.ingest(records);
        channel.truncate(0);
        channel.force(false);
        if (moved > 0) {
          LOG.info("moved {} audit record(s) from {} into the store", moved, file);
        }
        return moved;
      } finally {
        lock.release();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the audit journal " + file, e);
    } catch (SQLException e) {
      throw new StoreUnavailableException(
          "cannot move the audit journal " + file + " into the store: " + e.getMessage(), e);
    }
  }

  /** The intact frames from the start, up to the first torn or foreign one. */
  static List<AuditRecord> read(FileChannel channel) throws IOException {
    List<AuditRecord> records = new ArrayList<>();
    long position = 0;
    long end = channel.size();
    ByteBuffer header = ByteBuffer.allocate(8);
    while (position + 12 <= end) {
      header.clear();
      channel.read(header, position);
      header.flip();
      if (header.getInt() != MAGIC) {
        break;
      }
      int length = header.getInt();
      if (length < 0 || length > MAX_FRAME || position + 12 + length > end) {
        break;
      }
      ByteBuffer body = ByteBuffer.allocate(length + 4);
      while (body.hasRemaining() && channel.read(body, position + 8 + body.position()) > 0) {
        // read the whole frame
      }
      body.flip();
      byte[] payload = new byte[length];
      body.get(payload);
      CRC32C crc = new CRC32C();
      crc.update(payload);
      if ((int) crc.getValue() != body.getInt()) {
        break;
      }
      AuditRecord record = decode(ByteBuffer.wrap(payload));
      if (!records.isEmpty()) {
        AuditRecord last = records.getLast();
        if (record.seq() != last.seq() + 1 || !record.prevHash().equals(last.hash())) {
          break; // an older round's frame: the current round ends here
        }
      }
      records.add(record);
      position += 12 + length;
    }
    return records;
  }

  static ByteBuffer encode(List<AuditRecord> records) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(records.size() * 768);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      ByteArrayOutputStream one = new ByteArrayOutputStream(768);
      for (AuditRecord r : records) {
        one.reset();
        DataOutputStream body = new DataOutputStream(one);
        body.writeLong(r.seq());
        body.writeLong(r.atMillis());
        string(body, r.kind());
        string(body, r.sessionId());
        string(body, r.identity());
        string(body, r.connection());
        string(body, r.payload());
        string(body, r.prevHash());
        string(body, r.hash());
        body.flush();
        byte[] payload = one.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(payload);
        out.writeInt(MAGIC);
        out.writeInt(payload.length);
        out.write(payload);
        out.writeInt((int) crc.getValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in memory: cannot happen
    }
    return ByteBuffer.wrap(bytes.toByteArray());
  }

  private static void string(DataOutputStream out, String value) throws IOException {
    if (value == null) {
      out.writeInt(-1);
      return;
    }
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static AuditRecord decode(ByteBuffer in) {
    long seq = in.getLong();
    long at = in.getLong();
    return new AuditRecord(
        seq,
        at,
        string(in),
        string(in),
        string(in),
        string(in),
        string(in),
        string(in),
        string(in));
  }

  private static String string(ByteBuffer in) {
    int length = in.getInt();
    if (length < 0) {
      return null;
    }
    byte[] bytes = new byte[length];
    in.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
