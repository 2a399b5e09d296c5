package dev.warden.frontend.postgres;

import dev.warden.core.admission.ResultSeen;
import dev.warden.core.audit.AuditEvent;
import dev.warden.protocol.postgres.message.BackendMessage;
import dev.warden.protocol.postgres.message.DataRow;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A statement's result as the client saw it (after masking), for the audit trail and replay: the
 * column names, the first {@code maxRows} rows (each cell cut at {@link #MAX_CELL} bytes), the
 * errors and notices, and the count in the command tag. Rows past the cap are counted, not kept.
 */
final class ResultCapture {
  static final int MAX_CELL = 1024;

  private final int maxRows;

  /** The columns of the result being read. */
  List<String> columns = List.of();

  /** The rows of the result being read. */
  final List<List<String>> rows = new ArrayList<>();

  /** The results already complete (a Query of several statements has one each). */
  final List<AuditEvent.Result> results = new ArrayList<>();

  final List<String> messages = new ArrayList<>();
  long tagCount = -1;
  private int captured;

  ResultCapture(int maxRows) {
    this.maxRows = maxRows;
  }

  /** Whether the cap on recorded rows (over all the statement's results) is reached. */
  boolean full() {
    return captured >= maxRows;
  }

  /** A result ended with its command tag (CommandComplete, or empty for EmptyQueryResponse). */
  void endResult(String tag) {
    results.add(new AuditEvent.Result(columns, List.copyOf(rows), tag));
    columns = List.of();
    rows.clear();
  }

  /**
   * The results to record: those complete, then what was being read when the statement ended (an
   * error mid-result).
   */
  List<AuditEvent.Result> all() {
    if (columns.isEmpty() && rows.isEmpty()) {
      return results;
    }
    List<AuditEvent.Result> all = new ArrayList<>(results);
    all.add(new AuditEvent.Result(columns, List.copyOf(rows), null));
    return all;
  }

  /** The result as seen, for the record of a statement sent at {@code startNanos}. */
  ResultSeen seen(long startNanos) {
    return new ResultSeen(all(), messages, tagCount, (System.nanoTime() - startNanos) / 1000);
  }

  /** A DataRow message (type, length, body) as sent to the client. */
  void row(ByteBuf frame) {
    if (full()) {
      return;
    }
    DataRow row = (DataRow) BackendMessage.decode(frame);
    List<String> cells = new ArrayList<>(row.values().size());
    for (ByteBuf cell : row.values()) {
      cells.add(cell == null ? null : text(cell));
    }
    rows.add(cells);
    captured++;
  }

  /** A CopyData message of COPY TO STDOUT, as one row of one cell. */
  void copyLine(ByteBuf frame) {
    if (full()) {
      return;
    }
    ByteBuf body = frame.slice(frame.readerIndex() + 5, frame.readableBytes() - 5);
    rows.add(List.of(text(body)));
    captured++;
  }

  void message(String severity, String text) {
    if (messages.size() < 100) {
      messages.add(severity + ": " + text);
    }
  }

  /** A cell as text: UTF-8 when it reads as text, else {@code \x} hex (a binary-format value). */
  private static String text(ByteBuf cell) {
    int length = Math.min(cell.readableBytes(), MAX_CELL);
    boolean binary = false;
    for (int i = 0; i < length && !binary; i++) {
      byte b = cell.getByte(cell.readerIndex() + i);
      binary = b >= 0 && b < 0x20 && b != '\t' && b != '\n' && b != '\r';
    }
    String text =
        binary
            ? "\\x" + ByteBufUtil.hexDump(cell, cell.readerIndex(), length)
            : cell.toString(cell.readerIndex(), length, StandardCharsets.UTF_8);
    return length < cell.readableBytes() ? text + "…" : text;
  }
}
