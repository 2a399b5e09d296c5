package dev.warden.frontend.mysql;

import dev.warden.core.admission.Verdict;
import dev.warden.core.sql.Statement;
import dev.warden.protocol.mysql.message.ColumnDefinition41;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A statement the database prepared for this session: what the analysis made of it, how many
 * parameters it takes, its result's columns, and what the client bound since (types, long data).
 */
final class Prepared {
  final long id;
  final Statement statement;
  final int parameters;
  final List<ColumnDefinition41> columns = new ArrayList<>();

  /** The types bound by the last execute that sent them (an execute may leave them out). */
  int[] types;

  /** Values sent ahead with COM_STMT_SEND_LONG_DATA since the last execute, per parameter. */
  ByteArrayOutputStream[] longData;

  /** Whether the execute under way asked the database for a cursor (rows by COM_STMT_FETCH). */
  boolean cursorRequested;

  /** The cursor the database holds open for this statement, or null. */
  Cursor cursor;

  /**
   * An open cursor's result so far: one admitted statement whose rows come over several
   * COM_STMT_FETCH commands, masked, counted and cut at maxRowsReturned across all of them, and
   * recorded once, when the cursor is exhausted or closed.
   */
  static final class Cursor {
    final Verdict.Run verdict;
    final List<ColumnDefinition41> columns;
    final RowMasks masks;
    final long startedNanos;
    final List<List<String>> captured = new ArrayList<>();
    final List<String> messages = new ArrayList<>();
    long rows;
    long dropped;

    Cursor(
        Verdict.Run verdict, List<ColumnDefinition41> columns, RowMasks masks, long startedNanos) {
      this.verdict = verdict;
      this.columns = List.copyOf(columns);
      this.masks = masks;
      this.startedNanos = startedNanos;
    }
  }

  Prepared(long id, Statement statement, int parameters) {
    this.id = id;
    this.statement = statement;
    this.parameters = parameters;
    this.longData = new ByteArrayOutputStream[parameters];
  }

  boolean[] hasLongData() {
    boolean[] has = new boolean[parameters];
    for (int i = 0; i < parameters; i++) {
      has[i] = longData[i] != null;
    }
    return has;
  }

  void resetLongData() {
    longData = new ByteArrayOutputStream[parameters];
  }
}
