package dev.warden.protocol.mysql.message;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * A client command (the first packet of each exchange after authentication), one record per command
 * of the protocol's command phase; anything else is an {@link Unknown}. {@link ComStmtExecute} is
 * decoded by {@link ComStmtExecute#decode} with what its statement's prepare said, so here it is
 * read only as far as its statement id.
 */
public sealed interface Command {
  int COM_QUIT = 0x01;
  int COM_INIT_DB = 0x02;
  int COM_QUERY = 0x03;
  int COM_FIELD_LIST = 0x04;
  int COM_STATISTICS = 0x09;
  int COM_PROCESS_KILL = 0x0C;
  int COM_PING = 0x0E;
  int COM_CHANGE_USER = 0x11;
  int COM_STMT_PREPARE = 0x16;
  int COM_STMT_EXECUTE = 0x17;
  int COM_STMT_SEND_LONG_DATA = 0x18;
  int COM_STMT_CLOSE = 0x19;
  int COM_STMT_RESET = 0x1A;
  int COM_SET_OPTION = 0x1B;
  int COM_STMT_FETCH = 0x1C;
  int COM_RESET_CONNECTION = 0x1F;

  /** The command's code. */
  int code();

  /** Ends the session. */
  record ComQuit() implements Command {
    public int code() {
      return COM_QUIT;
    }
  }

  /** Makes {@code schema} the session's default schema (what {@code USE} does). */
  record ComInitDb(String schema) implements Command {
    public int code() {
      return COM_INIT_DB;
    }
  }

  /** Runs statement text: one statement, or several when multi-statements are on. */
  record ComQuery(String sql) implements Command {
    public int code() {
      return COM_QUERY;
    }
  }

  /** Lists a table's columns (deprecated; {@code SHOW COLUMNS} is its statement). */
  record ComFieldList(String table, String wildcard) implements Command {
    public int code() {
      return COM_FIELD_LIST;
    }
  }

  /** Asks for the server's statistics string. */
  record ComStatistics() implements Command {
    public int code() {
      return COM_STATISTICS;
    }
  }

  /** Asks the server to kill a connection (deprecated; {@code KILL} is its statement). */
  record ComProcessKill(long connectionId) implements Command {
    public int code() {
      return COM_PROCESS_KILL;
    }
  }

  /** Checks that the server is alive. */
  record ComPing() implements Command {
    public int code() {
      return COM_PING;
    }
  }

  /** Re-authenticates as another user on the same connection. */
  record ComChangeUser() implements Command {
    public int code() {
      return COM_CHANGE_USER;
    }
  }

  /** Prepares a statement; the server answers with its id, parameters and columns. */
  record ComStmtPrepare(String sql) implements Command {
    public int code() {
      return COM_STMT_PREPARE;
    }
  }

  /** Runs a prepared statement (read so far only as its statement id; see ComStmtExecute). */
  record ComStmtExecuteHeader(long statementId) implements Command {
    public int code() {
      return COM_STMT_EXECUTE;
    }
  }

  /** Sends (part of) a parameter's value ahead of an execute. */
  record ComStmtSendLongData(long statementId, int parameter, byte[] data) implements Command {
    public int code() {
      return COM_STMT_SEND_LONG_DATA;
    }
  }

  /** Drops a prepared statement; the server sends no answer. */
  record ComStmtClose(long statementId) implements Command {
    public int code() {
      return COM_STMT_CLOSE;
    }
  }

  /** Drops a prepared statement's long data and cursor. */
  record ComStmtReset(long statementId) implements Command {
    public int code() {
      return COM_STMT_RESET;
    }
  }

  /** Turns multi-statements on (0) or off (1). */
  record ComSetOption(int option) implements Command {
    public int code() {
      return COM_SET_OPTION;
    }
  }

  /** Fetches rows from a prepared statement's cursor. */
  record ComStmtFetch(long statementId, long rows) implements Command {
    public int code() {
      return COM_STMT_FETCH;
    }
  }

  /** Resets the session's state (variables, temporary tables, prepared statements). */
  record ComResetConnection() implements Command {
    public int code() {
      return COM_RESET_CONNECTION;
    }
  }

  /** A command Warden does not know. */
  record Unknown(int code) implements Command {}

  /** Reads a command packet's payload. */
  static Command decode(ByteBuf in) {
    Wire.need(in, 1);
    int code = in.readUnsignedByte();
    return switch (code) {
      case COM_QUIT -> new ComQuit();
      case COM_INIT_DB -> new ComInitDb(Wire.readRest(in));
      case COM_QUERY -> new ComQuery(Wire.readRest(in));
      case COM_FIELD_LIST -> {
        String table = Wire.readNulTerminated(in);
        yield new ComFieldList(table, Wire.readRest(in));
      }
      case COM_STATISTICS -> new ComStatistics();
      case COM_PROCESS_KILL -> {
        Wire.need(in, 4);
        yield new ComProcessKill(in.readUnsignedIntLE());
      }
      case COM_PING -> new ComPing();
      case COM_CHANGE_USER -> new ComChangeUser();
      case COM_STMT_PREPARE -> new ComStmtPrepare(Wire.readRest(in));
      case COM_STMT_EXECUTE -> {
        Wire.need(in, 4);
        yield new ComStmtExecuteHeader(in.readUnsignedIntLE());
      }
      case COM_STMT_SEND_LONG_DATA -> {
        Wire.need(in, 6);
        long id = in.readUnsignedIntLE();
        int parameter = in.readUnsignedShortLE();
        yield new ComStmtSendLongData(id, parameter, Wire.readRestBytes(in));
      }
      case COM_STMT_CLOSE -> {
        Wire.need(in, 4);
        yield new ComStmtClose(in.readUnsignedIntLE());
      }
      case COM_STMT_RESET -> {
        Wire.need(in, 4);
        yield new ComStmtReset(in.readUnsignedIntLE());
      }
      case COM_SET_OPTION -> {
        Wire.need(in, 2);
        yield new ComSetOption(in.readUnsignedShortLE());
      }
      case COM_STMT_FETCH -> {
        Wire.need(in, 8);
        yield new ComStmtFetch(in.readUnsignedIntLE(), in.readUnsignedIntLE());
      }
      case COM_RESET_CONNECTION -> new ComResetConnection();
      default -> new Unknown(code);
    };
  }

  /** A command whose text is {@code sql} (COM_QUERY, COM_STMT_PREPARE), encoded. */
  static ByteBuf text(int code, String sql) {
    byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
    return io.netty.buffer.Unpooled.buffer(1 + bytes.length).writeByte(code).writeBytes(bytes);
  }
}
