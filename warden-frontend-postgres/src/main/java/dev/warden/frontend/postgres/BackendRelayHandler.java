package dev.warden.frontend.postgres;

import dev.warden.core.audit.AuditEvent;
import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.core.mask.Classifiers;
import dev.warden.core.mask.MaskGuard;
import dev.warden.core.sql.CopyFormat;
import dev.warden.core.sql.Statement;
import dev.warden.frontend.postgres.InFlight.Kind;
import dev.warden.protocol.postgres.message.BackendMessage;
import dev.warden.protocol.postgres.message.CommandComplete;
import dev.warden.protocol.postgres.message.ErrorResponse;
import dev.warden.protocol.postgres.message.FrontendMessage;
import dev.warden.protocol.postgres.message.NoticeResponse;
import dev.warden.protocol.postgres.message.Parse;
import dev.warden.protocol.postgres.message.Query;
import dev.warden.protocol.postgres.message.ReadyForQuery;
import dev.warden.protocol.postgres.message.RowDescription;
import dev.warden.protocol.postgres.message.Target;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command phase, database to client: frames the database's stream, attributes each message to
 * the in-flight entry that caused it, and passes the bytes on in chunks: one retained slice per run
 * of messages that go to the client unchanged, not one per message, so a large result costs a few
 * writes per read instead of one per row. Rows are counted by type byte, not decoded; only the few
 * messages that change state (ReadyForQuery, ErrorResponse) are. Refusals Warden answers itself are
 * emitted between chunks, in order. A response the queue does not explain means Warden no longer
 * knows what the database is doing: the session is closed.
 */
final class BackendRelayHandler extends ByteToMessageDecoder {
  private static final Logger LOG = LoggerFactory.getLogger(BackendRelayHandler.class);
  private static final int HEADER_BYTES = 5;

  private final PostgresContext context;
  private final Session session;

  /** What goes to the client instead of a message that is not relayed as it is. */
  private final List<Object> substitutes = new ArrayList<>(2);

  private ByteBufAllocator allocator;

  // The decode loop's state, shared with the masking of rows: the unchanged bytes not yet passed
  // on start at chunkStart; masked rows of consecutive messages go into one batch buffer, the
  // last thing in the output, so a masked result costs a few writes per read, not one per row.
  private ByteBuf current;
  private List<Object> output;
  private int chunkStart;
  private int position;
  private ByteBuf batch;

  /** Where the next masked row goes: the open batch, or a new one after what is pending. */
  /** Whether results are kept for the audit trail (write-ahead store, resultRows above 0). */
  private final boolean recordsResults;

  /** Where the last rewritten row went (for the audit trail's copy of it). */
  private ByteBuf lastTarget;

  private int lastStart;

  private ByteBuf rowTarget() {
    ByteBuf target = batchTarget();
    lastTarget = target;
    lastStart = target.writerIndex();
    return target;
  }

  private ByteBuf batchTarget() {
    if (batch != null && position == chunkStart) {
      return batch;
    }
    if (position > chunkStart) {
      output.add(current.retainedSlice(chunkStart, position - chunkStart));
      chunkStart = position;
    }
    batch = allocator.buffer(16 * 1024);
    output.add(batch);
    return batch;
  }

  /** Set when a guard ended during this read; the held client messages go after its output. */
  private boolean releaseDue;

  BackendRelayHandler(PostgresContext context, Session session) {
    this.context = context;
    this.session = session;
    this.recordsResults =
        context.pipeline().writeAhead() && context.config().audit().resultRows() > 0;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    allocator = ctx.alloc();
    current = in;
    output = out;
    batch = null;
    chunkStart = in.readerIndex();
    position = chunkStart;
    int end = in.writerIndex();
    while (end - position >= HEADER_BYTES) {
      long length = in.getUnsignedInt(position + 1);
      if (length < 4 || length > BackendConnector.MAX_BACKEND_MESSAGE_BYTES) {
        throw new CorruptedFrameException("database message length " + length + " is invalid");
      }
      int frameBytes = (int) length + 1;
      if (end - position < frameBytes) {
        break;
      }
      char type = (char) (in.getByte(position) & 0xFF);
      if (!attribute(type, in, position, frameBytes)) {
        // Dropped or replaced: what came before goes out as it is, then the substitutes (masked
        // rows went into the batch already).
        if (position > chunkStart) {
          out.add(in.retainedSlice(chunkStart, position - chunkStart));
          batch = null;
        }
        if (!substitutes.isEmpty()) {
          out.addAll(substitutes);
          substitutes.clear();
          batch = null;
        }
        chunkStart = position + frameBytes;
      }
      position += frameBytes;
      if ((type == ReadyForQuery.TYPE || type == 'E') && refusalIsDue()) {
        out.add(in.retainedSlice(chunkStart, position - chunkStart));
        chunkStart = position;
        answerRefusals(out);
        batch = null;
      }
    }
    if (position > chunkStart) {
      out.add(in.retainedSlice(chunkStart, position - chunkStart));
    }
    batch = null;
    output = null;
    current = null;
    in.readerIndex(position);
    if (releaseDue) {
      // After this read's output has gone to the client, let the held client messages through.
      releaseDue = false;
      ctx.channel().eventLoop().execute(session.release);
    }
  }

  /**
   * Attributes one message ({@code in} holds it at {@code offset}, {@code length} bytes long) and
   * says whether it goes to the client unchanged; when not, {@link #substitutes} holds what goes
   * instead (possibly nothing). Only the few messages that change state are decoded; the rest need
   * just their type byte.
   */
  private boolean attribute(char type, ByteBuf in, int offset, int length) {
    InFlight head = session.inFlight.peek();
    if (head != null) {
      if (head.kind == Kind.INTERNAL_QUERY) {
        return internal(head, type, in, offset, length);
      }
      if (head.overLimit && type != 'A' && type != 'S') {
        // The rest of a Query whose write exceeded its limit: dropped, and once it is over,
        // Warden's transaction is rolled back, or the client's is made to fail (as after any
        // error in a transaction block, a later COMMIT then commits nothing).
        if (type == ReadyForQuery.TYPE) {
          session.inFlight.poll();
          finish(head, head.errorSqlState);
          ready(in.slice(offset, length));
          inject(
              new Query(head.wrapped ? "ROLLBACK" : ClientRelayHandler.DENIED_STATEMENT),
              InFlight.internalQuery(false, true));
        }
        return false;
      }
    }
    switch (type) {
      case 'D', 'd' -> {
        // A row, or a row of COPY TO STDOUT.
        InFlight h = expectHead(type, Kind.QUERY, Kind.EXECUTE);
        if (h.rowLimit > 0 && h.rowsBefore + h.statementRows >= h.rowLimit) {
          h.truncated = true;
          return false;
        }
        h.rows++;
        h.statementRows++;
        if (h.capture == null || h.capture.full()) {
          return h.masking == null || mask(type, h, in, offset, length);
        }
        // Kept for the audit trail as the client gets it: masked when masking rewrote it.
        lastTarget = null;
        boolean relay = h.masking == null || mask(type, h, in, offset, length);
        ByteBuf sent =
            relay
                ? in.slice(offset, length)
                : lastTarget == null
                    ? null
                    : lastTarget.slice(lastStart, lastTarget.writerIndex() - lastStart);
        if (sent != null) {
          if (type == 'D') {
            h.capture.row(sent);
          } else {
            h.capture.copyLine(sent);
          }
        }
        return relay;
      }
      case 'T' -> {
        InFlight h = expectHead(type, Kind.QUERY, Kind.DESCRIBE_STATEMENT, Kind.DESCRIBE_PORTAL);
        if (h.kind != Kind.QUERY) {
          session.inFlight.poll();
        }
        RowDescription description =
            recordsResults || h.masking != null
                ? (RowDescription) BackendMessage.decode(in.slice(offset, length))
                : null;
        if (recordsResults) {
          List<String> names = new ArrayList<>(description.fields().size());
          description.fields().forEach(f -> names.add(f.name()));
          switch (h.kind) {
            case QUERY -> {
              if (h.capture != null) {
                h.capture.columns = names;
              }
            }
            case DESCRIBE_PORTAL -> {
              session.describedColumns.put("P" + h.name, names);
              if (h.boundStatement != null) {
                session.describedColumns.put("S" + h.boundStatement, names);
              }
              if (h.ownDescribe) {
                // The Execute it was sent for is next in flight; its record gets the names.
                InFlight next = session.inFlight.peek();
                if (next != null && next.capture != null && next.capture.columns.isEmpty()) {
                  next.capture.columns = names;
                }
              }
            }
            default -> session.describedColumns.put("S" + h.name, names);
          }
        }
        if (h.masking != null) {
          var columns = context.catalogs().columns(session.context.connection());
          switch (h.kind) {
            case QUERY -> {
              h.plan = MaskPlan.of(description, h.masking, columns, h.outputMasks);
              h.planResolved = true;
              uncatalogued(h.plan);
            }
            case DESCRIBE_PORTAL -> {
              MaskPlan plan =
                  MaskPlan.of(
                      description,
                      h.masking,
                      columns,
                      MaskGuard.outputMasks(h.statement, h.masking, columns));
              session.portalPlans.put(h.name, plan == null ? MaskPlan.NONE : plan);
              if (h.boundStatement != null) {
                // The statement's shape, for its later portals that nobody describes.
                session.statementDescriptions.put(h.boundStatement, description);
              }
              uncatalogued(plan);
            }
            // A statement's description: the portals bound to it get their plans at Bind.
            default -> session.statementDescriptions.put(h.name, description);
          }
        }
        return !h.ownDescribe;
      }
      case 'C', 'I' -> {
        return completed(type, expectHead(type, Kind.QUERY, Kind.EXECUTE), in, offset, length);
      }
      case 's' -> {
        return suspended(expectHead(type, Kind.EXECUTE));
      }
      case 'G', 'H', 'W', 'c' -> {
        InFlight h = expectHead(type, Kind.QUERY, Kind.EXECUTE);
        if (type == 'H' && h.masking != null) {
          // COPY TO STDOUT: masked field by field, like rows.
          h.copyMask = null;
          h.copyRefused = false;
          CopyFormat format = copyFormat(h.admission == null ? null : h.admission.statement());
          boolean binary = in.getByte(offset + 5) == 1;
          if (format == null) {
            format = binary ? COPY_BINARY : CopyFormat.TEXT;
          }
          if (format.understood() && format.binary() == binary) {
            h.copyMask =
                CopyMask.of(format, in.getUnsignedShort(offset + 6), h.outputMasks, h.masking);
          } else {
            h.copyRefused = true;
          }
        }
        return true;
      }
      case '1' -> {
        InFlight parse = expectHead(type, Kind.PARSE);
        session.inFlight.poll();
        session.preparedStatements.put(parse.name, parse.statement);
        session.statementDescriptions.remove(parse.name);
        return true;
      }
      case '2' -> {
        InFlight bind = expectHead(type, Kind.BIND);
        session.inFlight.poll();
        session.portalRows.remove(bind.name);
        session.portalPlans.remove(bind.name);
        if (bind.masking != null) {
          // The statement's description and the formats the Bind asked for: the portal's plan,
          // for clients that describe the statement once and not each portal.
          RowDescription described = session.statementDescriptions.get(bind.boundStatement);
          if (described != null) {
            var columns = context.catalogs().columns(session.context.connection());
            MaskPlan plan =
                MaskPlan.of(
                    withFormats(described, bind.resultFormats),
                    bind.masking,
                    columns,
                    MaskGuard.outputMasks(bind.statement, bind.masking, columns));
            session.portalPlans.put(bind.name, plan == null ? MaskPlan.NONE : plan);
            uncatalogued(plan);
          }
        }
        if (bind.statement == null) {
          session.portals.remove(bind.name);
        } else {
          session.portals.put(bind.name, bind.statement);
        }
        session.bound(bind.name);
        return true;
      }
      case '3' -> {
        InFlight close = expectHead(type, Kind.CLOSE);
        session.inFlight.poll();
        (close.target == Target.STATEMENT ? session.preparedStatements : session.portals)
            .remove(close.name);
        if (close.target == Target.STATEMENT) {
          session.statementDescriptions.remove(close.name);
        }
        if (close.target == Target.PORTAL) {
          session.portalRows.remove(close.name);
          session.portalPlans.remove(close.name);
        }
        return true;
      }
      case 't' -> {
        expectHead(type, Kind.DESCRIBE_STATEMENT);
        return true;
      }
      case 'n' -> {
        InFlight h = expectHead(type, Kind.DESCRIBE_STATEMENT, Kind.DESCRIBE_PORTAL);
        session.inFlight.poll();
        if (h.kind == Kind.DESCRIBE_PORTAL && h.masking != null) {
          session.portalPlans.put(h.name, MaskPlan.NONE);
          if (h.boundStatement != null) {
            session.statementDescriptions.put(h.boundStatement, new RowDescription(List.of()));
          }
        } else if (h.masking != null) {
          session.statementDescriptions.put(h.name, new RowDescription(List.of()));
        }
        return !h.ownDescribe;
      }
      case 'Z' -> {
        InFlight done = expectHead(type, Kind.QUERY, Kind.SYNC);
        session.inFlight.poll();
        if (done.kind == Kind.QUERY) {
          finish(done, done.errorSqlState);
        }
        ready(in.slice(offset, length));
        if (done.guarded && done.wrapped) {
          // Warden's own transaction ends: COMMIT (its error, if any, is the client's), and the
          // client's ReadyForQuery is the one that follows it.
          inject(new Query("COMMIT"), InFlight.internalQuery(true, true));
          return false;
        }
        if (done.guarded) {
          endGuard();
        }
        return true;
      }
      case 'E' -> {
        ErrorResponse replacement = head == null ? null : head.replacement;
        error(in.slice(offset, length));
        if (replacement != null) {
          // The server's error for a denied statement's stand-in is replaced by Warden's own.
          substitutes.add(replacement);
          return false;
        }
        return (head == null || head.kind != Kind.INTERNAL_FAILURE)
            && scrubbed(type, in, offset, length, head);
      }
      case 'N' -> {
        InFlight during = session.inFlight.peek();
        boolean unchanged = scrubbed(type, in, offset, length, during);
        if (during != null && during.capture != null) {
          // Recorded with the statement it came during, as the client saw it.
          NoticeResponse shown =
              unchanged
                  ? (NoticeResponse) BackendMessage.decode(in.slice(offset, length))
                  : (NoticeResponse) substitutes.getLast();
          during.capture.message(
              shown.fields().getOrDefault('S', "NOTICE"), shown.fields().getOrDefault('M', ""));
        }
        return unchanged;
      }
      case 'A', 'S' -> {
        return true;
      }
      default -> throw desynchronised(type, "an unexpected message type");
    }
  }

  /**
   * CommandComplete or EmptyQueryResponse: a statement of a Query, or an Execute, ends. A truncated
   * result gets a warning and a tag counting the rows delivered; a guarded write's count is checked
   * against its limit.
   */
  private boolean completed(char type, InFlight h, ByteBuf in, int offset, int length) {
    boolean relay = true;
    if (h.capture != null && type == 'C') {
      String tag = ((CommandComplete) BackendMessage.decode(in.slice(offset, length))).tag();
      long count = affectedRows(tag);
      h.capture.tagCount = Math.max(h.capture.tagCount, 0) + Math.max(count, 0);
      h.capture.endResult(tag);
    }
    if (type == 'C' && h.copyRefused) {
      relay = false;
      h.copyRefused = false;
      h.errorSqlState = PostgresErrors.sqlState(ErrorCode.FEATURE_NOT_SUPPORTED);
      substitutes.add(
          PostgresErrors.error(
              new WardenException(
                  ErrorCode.FEATURE_NOT_SUPPORTED,
                  "this COPY's output format cannot be masked; no rows were sent",
                  "use COPY … TO STDOUT with the default options of text, CSV or binary, or"
                      + " SELECT")));
    } else if (type == 'C' && h.truncated) {
      relay = false;
      truncatedResult(h, ((CommandComplete) BackendMessage.decode(in.slice(offset, length))).tag());
    } else if (type == 'C' && h.guarded) {
      String tag = ((CommandComplete) BackendMessage.decode(in.slice(offset, length))).tag();
      long affected = affectedRows(tag);
      if (affected > h.writeLimit) {
        relay = false;
        overLimit(h, tag.split(" ", 2)[0], affected);
      }
    }
    h.statementRows = 0;
    h.truncated = false;
    if (h.kind == Kind.EXECUTE) {
      session.inFlight.poll();
      session.portalRows.remove(h.portal);
      finish(h, h.errorSqlState);
      if (h.guarded) {
        endGuard();
      }
    }
    return relay;
  }

  /**
   * Masks one row (or COPY line) of a statement whose session sees masked values; false when the
   * message was replaced (by {@link #substitutes}) or dropped.
   */
  private boolean mask(char type, InFlight h, ByteBuf in, int offset, int length) {
    if (type == 'd') {
      if (h.copyRefused || h.copyMask == null) {
        return false;
      }
      return !h.copyMask.rewrite(in.slice(offset, length), this::rowTarget);
    }
    MaskPlan plan = h.plan;
    if (h.kind == Kind.EXECUTE && !h.planResolved) {
      plan = session.portalPlans.get(h.portal);
      if (plan == null) {
        // Warden describes every portal nobody else did, so this is a bug: refuse, never guess.
        throw MaskPlan.shapeUnknown(session.context.sessionId());
      }
      h.plan = plan;
      h.planResolved = true;
    }
    if (plan == null || plan == MaskPlan.NONE) {
      return true;
    }
    return !plan.rewrite(in.slice(offset, length), this::rowTarget);
  }

  private static final CopyFormat COPY_BINARY =
      new CopyFormat("binary", '\t', '"', '"', "", false, true);

  /** The COPY … TO part of a statement, or null. */
  private static CopyFormat copyFormat(Statement statement) {
    if (statement == null) {
      return null;
    }
    for (var part : statement.parts()) {
      if (part.copyFormat() != null && part.operations().contains("COPY TO STDOUT")) {
        return part.copyFormat();
      }
    }
    return null;
  }

  /** A statement's description with the result formats a Bind chose (0, 1 or one per column). */
  private static RowDescription withFormats(RowDescription described, List<Integer> formats) {
    List<RowDescription.Field> fields = new ArrayList<>(described.fields().size());
    for (int i = 0; i < described.fields().size(); i++) {
      RowDescription.Field f = described.fields().get(i);
      int format =
          formats.isEmpty() ? 0 : formats.size() == 1 ? formats.getFirst() : formats.get(i);
      fields.add(
          new RowDescription.Field(
              f.name(),
              f.tableOid(),
              f.columnNumber(),
              f.typeOid(),
              f.typeSize(),
              f.typeModifier(),
              (short) format));
    }
    return new RowDescription(fields);
  }

  /**
   * The texts of an error or notice (message, detail, hint, context, the query it quotes), for a
   * session that sees masked values, with every card number, SSN, e-mail address and IBAN masked: a
   * server error can echo a value ({@code Key (card_number)=(4111…) already exists}). Where the
   * error is of a kind that quotes values — a data error in a statement whose results carry masked
   * values, an integrity violation ({@code Key (…)=(…)}, {@code Failing row contains (…)}) — the
   * quoted values are redacted too; errors that quote only names (a relation that does not exist, a
   * syntax error, a missing column or function) keep them readable. True when the message goes on
   * unchanged.
   */
  private boolean scrubbed(char type, ByteBuf in, int offset, int length, InFlight head) {
    if (!context
        .pipeline()
        .masking(session.context.roles(), session.context.connection())
        .active()) {
      return true;
    }
    BackendMessage message = BackendMessage.decode(in.slice(offset, length));
    Map<Character, String> fields =
        message instanceof ErrorResponse e ? e.fields() : ((NoticeResponse) message).fields();
    Map<Character, String> clean = new LinkedHashMap<>(fields);
    boolean changed = false;
    String sqlState = fields.getOrDefault('C', "");
    boolean integrity = sqlState.startsWith("23");
    // A statement whose results carry masked values: a value the server quotes in its message
    // ("invalid input syntax for type integer: "Jane Doe"") may be one of them, whatever it looks
    // like. An integrity violation quotes rows and keys of the table, masked columns included.
    boolean quotesValues =
        integrity
            || (head != null
                && head.outputMasks.fallback() != null
                && !NAMES_ONLY.contains(sqlState.length() >= 2 ? sqlState.substring(0, 2) : ""));
    for (char key : new char[] {'M', 'D', 'H', 'W', 'q'}) {
      String text = fields.get(key);
      if (text != null) {
        String scrubbed = ERROR_CLASSIFIERS.scrub(text);
        // An integrity violation names the column, relation and constraint in its message; the
        // values are in its detail.
        if (quotesValues && key != 'q' && (!integrity || key == 'D')) {
          String rows = FAILING_ROW.matcher(scrubbed).replaceAll("$1[REDACTED])");
          String quoted = QUOTED.matcher(rows).replaceAll("$1[REDACTED]$2");
          scrubbed = quoted.equals(scrubbed) ? scrubbed : quoted;
        }
        if (scrubbed != text) {
          clean.put(key, scrubbed);
          changed = true;
        }
      }
    }
    if (!changed) {
      return true;
    }
    substitutes.add(type == 'E' ? new ErrorResponse(clean) : new NoticeResponse(clean));
    return false;
  }

  /**
   * SQLSTATE classes whose messages quote names the client wrote or the catalog holds (relations,
   * columns, functions, types, prepared statements, cursors, savepoints), never a value: syntax or
   * access rule violations (42), invalid catalog, schema, statement, cursor and savepoint names,
   * transaction states, unsupported features, cardinality, limits, locks and resources.
   */
  private static final java.util.Set<String> NAMES_ONLY =
      java.util.Set.of(
          "42", "3D", "3F", "26", "34", "3B", "25", "0A", "21", "40", "53", "54", "55", "57", "08");

  /** The row an integrity error shows: {@code Failing row contains (…)}. */
  private static final Pattern FAILING_ROW = Pattern.compile("(Failing row contains \\().*\\)");

  /** A quoted value in an error text: "…" or the =(…) of a key detail. */
  private static final Pattern QUOTED = Pattern.compile("(\"|=\\()[^\"]*?(\"|\\))");

  /** Error texts are rare and short: every classifier runs on them whenever masking is on. */
  private static final Classifiers ERROR_CLASSIFIERS = Classifiers.all();

  /** PortalSuspended: an Execute with a row count stops; the portal may be executed again. */
  private boolean suspended(InFlight h) {
    session.inFlight.poll();
    boolean relay = true;
    if (h.truncated) {
      relay = false;
      truncatedResult(h, "SELECT");
      session.portalRows.put(h.portal, h.rowLimit);
    } else {
      session.portalRows.put(h.portal, h.rowsBefore + h.statementRows);
    }
    if (h.guarded) {
      // A write fetched in batches has no count yet: Warden cannot check it, so it is undone.
      substitutes.clear();
      relay = false;
      overLimit(h, "write", -1);
    }
    finish(h, h.errorSqlState);
    if (h.guarded) {
      endGuard();
    }
    return relay;
  }

  /** Replaces a truncated result's tag: a warning naming the rule, then the rows delivered. */
  private void truncatedResult(InFlight h, String tag) {
    context.metrics().rowLimitExceeded();
    long delivered = h.rowsBefore + h.statementRows;
    substitutes.add(
        PostgresErrors.warning(
            "result truncated to "
                + h.rowLimit
                + " rows by rule "
                + h.admission.decision().rule()
                + " (limits.maxRowsReturned)",
            "add a LIMIT, or narrow the query, to see the rows you need"));
    String verb = tag.split(" ", 2)[0];
    substitutes.add(
        new CommandComplete(
            verb.equals("SELECT") || verb.equals("FETCH") || verb.equals("COPY")
                ? verb + " " + delivered
                : tag));
  }

  /**
   * A guarded write affected more rows than allowed (or could not be counted, {@code affected} <
   * 0): the client gets an error in place of its CommandComplete, and the database's transaction is
   * made to fail, so the write never commits. In the extended protocol a Parse the server rejects
   * does that, before the client's Sync is let through; in a simple Query, once its ReadyForQuery
   * arrives, Warden rolls back its own transaction or fails the client's.
   */
  private void overLimit(InFlight h, String verb, long affected) {
    context.metrics().writeLimitExceeded();
    h.errorSqlState = PostgresErrors.sqlState(ErrorCode.LIMIT_EXCEEDED);
    String what =
        affected < 0
            ? "the " + verb + " was fetched in batches, so its rows affected cannot be counted"
            : "the " + verb + " affected " + affected + " rows";
    substitutes.add(
        PostgresErrors.error(
            new WardenException(
                ErrorCode.LIMIT_EXCEEDED,
                what
                    + ", more than the "
                    + h.writeLimit
                    + " allowed by rule "
                    + h.admission.decision().rule()
                    + " (limits.maxRowsAffected); it was rolled back",
                "narrow the WHERE clause, or split the change into batches of at most "
                    + h.writeLimit
                    + " rows")));
    if (h.kind == Kind.EXECUTE) {
      inject(
          new Parse(
              ClientRelayHandler.DENIED_STATEMENT_NAME,
              ClientRelayHandler.DENIED_STATEMENT,
              List.of()),
          InFlight.internalFailure());
    } else {
      h.overLimit = true;
    }
  }

  /** The number a write's command tag ends with (INSERT 0 5, UPDATE 5, COPY 5, SELECT 5). */
  static long affectedRows(String tag) {
    int space = tag.lastIndexOf(' ');
    try {
      return space < 0 ? 0 : Long.parseLong(tag.substring(space + 1));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Responses to a Query Warden sent itself; see {@link InFlight.Kind#INTERNAL_QUERY}. */
  private boolean internal(InFlight head, char type, ByteBuf in, int offset, int length) {
    switch (type) {
      case 'Z' -> {
        session.inFlight.poll();
        ready(in.slice(offset, length));
        if (head.relayReady) {
          endGuard();
        }
        return head.relayReady;
      }
      case 'E' -> {
        if (head.relayErrors) {
          // The client's statement already ended; the error (e.g. a deferred constraint failing
          // at COMMIT) is recorded with the statement that caused it.
          return true;
        }
        return false;
      }
      case 'A', 'S' -> {
        return true;
      }
      case 'N' -> {
        return head.relayErrors;
      }
      default -> {
        return false;
      }
    }
  }

  /**
   * Sends a message of Warden's own to the database, with its in-flight entry. While a guard holds
   * the client's messages nothing of the client's follows in flight, so it goes last.
   */
  private void inject(FrontendMessage message, InFlight entry) {
    session.inFlight.add(entry);
    session.backend.writeAndFlush(message, session.backend.voidPromise());
  }

  /** The transaction status from a ReadyForQuery. */
  private void ready(ByteBuf frame) {
    session.transactionStatus = ((ReadyForQuery) BackendMessage.decode(frame)).status();
    // The unnamed portal does not outlive the transaction that made it.
    if (session.transactionStatus == ReadyForQuery.TransactionStatus.IDLE) {
      session.portals.remove("");
      session.portalRows.remove("");
      session.portalPlans.remove("");
    }
    if (session.inFlight.isEmpty() && session.waitingForIdle) {
      session.waitingForIdle = false;
      releaseDue = true;
    }
  }

  /** The guarded statement is settled: the client's held messages may go. */
  private void endGuard() {
    if (session.guard != null) {
      session.guard = null;
      releaseDue = true;
    }
  }

  /**
   * An error ends the current statement. In a simple Query, ReadyForQuery still follows; in an
   * extended batch the database discards everything up to the next Sync, so those entries expect
   * nothing more.
   */
  private void error(ByteBuf frame) {
    ErrorResponse error = (ErrorResponse) BackendMessage.decode(frame);
    InFlight head = session.inFlight.peek();
    if (head == null) {
      if (!error.isFatal()) {
        throw desynchronised('E', "an error outside any statement");
      }
      return;
    }
    String sqlState = head.replacement != null ? head.replacement.sqlState() : error.sqlState();
    if (head.capture != null) {
      ErrorResponse shown = head.replacement != null ? head.replacement : error;
      head.capture.message("ERROR", shown.message());
    }
    if (head.kind == Kind.QUERY) {
      head.errorSqlState = sqlState;
      return;
    }
    if (head.kind == Kind.SYNC) {
      return;
    }
    while (!session.inFlight.isEmpty() && session.inFlight.peek().kind != Kind.SYNC) {
      InFlight skipped = session.inFlight.poll();
      if (skipped.kind == Kind.EXECUTE || skipped.kind == Kind.DENIAL) {
        // The failed (or denied) statement, and any admitted after it in the batch, which never
        // ran.
        finish(skipped, skipped == head ? sqlState : error.sqlState());
      }
    }
    if (session.inFlight.isEmpty()) {
      session.discardingUntilSync = true;
    }
    if (session.guard != null && !session.inFlight.contains(session.guard)) {
      // The guarded write failed by itself: nothing to check, the client's messages may go.
      endGuard();
    }
  }

  private ErrorResponse replacementAtHead() {
    InFlight head = session.inFlight.peek();
    return head == null ? null : head.replacement;
  }

  /** A statement's responses are complete: record its outcome. */
  private void finish(InFlight statement, String errorSqlState) {
    if (errorSqlState == null) {
      session.completed(statement.statement);
    }
    ResultCapture capture = statement.capture;
    if (capture == null) {
      context
          .pipeline()
          .completed(
              session.context, statement.admission.statementId(), statement.rows, errorSqlState);
      return;
    }
    // The first result in the fields every reader knows; all of them when there are several.
    List<AuditEvent.Result> results = capture.all();
    AuditEvent.Result first =
        results.isEmpty()
            ? new AuditEvent.Result(capture.columns, capture.rows, null)
            : results.getFirst();
    context
        .pipeline()
        .completed(
            new AuditEvent.StatementCompleted(
                context.pipeline().clock().instant(),
                session.context,
                statement.admission.statementId(),
                statement.rows > 0 || capture.tagCount < 0 ? statement.rows : capture.tagCount,
                errorSqlState,
                first.columns(),
                first.rows(),
                capture.messages,
                (System.nanoTime() - statement.startNanos) / 1000,
                results.size() > 1 ? results : List.of()));
  }

  private InFlight expectHead(char type, Kind... kinds) {
    InFlight head = session.inFlight.peek();
    if (head != null) {
      for (Kind kind : kinds) {
        if (head.kind == kind) {
          return head;
        }
      }
    }
    throw desynchronised(type, head == null ? "nothing in flight" : "in flight: " + head);
  }

  private boolean refusalIsDue() {
    InFlight head = session.inFlight.peek();
    return head != null && head.kind == Kind.REFUSAL;
  }

  /** Emits the refusals that have reached the head of the queue. */
  private void answerRefusals(List<Object> out) {
    while (refusalIsDue()) {
      out.add(session.inFlight.poll().refusal);
      out.add(new ReadyForQuery(session.transactionStatus));
    }
  }

  private WardenException desynchronised(char type, String state) {
    LOG.error(
        "session {}: database sent message type '{}' with {}; closing the session",
        session.context.sessionId(),
        type,
        state);
    return new WardenException(
        ErrorCode.INTERNAL,
        "lost track of the database's responses; the session was closed",
        "reconnect and retry");
  }

  /**
   * A result column came from a relation the catalog does not know (created since it was read), so
   * it was masked whole: the client is told, and the catalog is read again (on a backend session of
   * its own) so the next statement is masked by what the relation really is.
   */
  private void uncatalogued(MaskPlan plan) {
    if (plan == null || !plan.uncatalogued) {
      return;
    }
    String connection = session.context.connection();
    session.client.write(
        PostgresErrors.notice(
            "warden: a result column comes from a relation created since Warden read the catalog"
                + " of connection "
                + connection
                + "; it is masked whole this time while the catalog is read again",
            "run the statement again"));
    if (context.catalogs().markStale(connection)) {
      BackendConnector.connect(
              context,
              session.backend.eventLoop(),
              context.config().connections().get(connection),
              java.util.Map.of("application_name", "warden-catalog"))
          .addListener(
              f -> {
                if (f.isSuccess()) {
                  ((BackendConnection) f.getNow()).channel().close();
                }
              });
    }
  }
}
