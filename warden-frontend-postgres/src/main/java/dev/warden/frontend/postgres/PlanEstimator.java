package dev.warden.frontend.postgres;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.core.admission.BoundParameters;
import dev.warden.core.approval.Estimate;
import dev.warden.gateway.config.WardenConfig.Connection;
import dev.warden.protocol.postgres.message.BackendMessage;
import dev.warden.protocol.postgres.message.Bind;
import dev.warden.protocol.postgres.message.DataRow;
import dev.warden.protocol.postgres.message.ErrorResponse;
import dev.warden.protocol.postgres.message.Execute;
import dev.warden.protocol.postgres.message.Parse;
import dev.warden.protocol.postgres.message.ReadyForQuery;
import dev.warden.protocol.postgres.message.Sync;
import dev.warden.protocol.postgres.message.Terminate;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Asks the database's planner what a held data change would touch, for the approver: {@code EXPLAIN
 * (FORMAT JSON)} of the exact statement with its bind parameters, on a backend session of its own
 * (the held session's backend is in the middle of the client's conversation). That session logs in
 * with the connection's own credential, is read-only ({@code default_transaction_read_only}) and
 * bounded in time (statement and lock timeouts, and an overall deadline), and EXPLAIN without
 * ANALYZE never runs the statement. It sees what is committed: a table the held session created in
 * its open transaction has no estimate. Any failure is an estimate that says why it is missing —
 * the approver decides without it; it never decides anything itself.
 */
final class PlanEstimator {
  static final Duration DEADLINE = Duration.ofSeconds(3);
  private static final ObjectMapper JSON = new ObjectMapper();

  private PlanEstimator() {}

  /**
   * Explains {@code sql} on connection {@code connection}, with the held session's search path
   * ({@code schemas}; null when it may have changed: the database's default); completes within
   * {@link #DEADLINE} with an estimate, or with the reason there is none. Never fails.
   */
  static CompletableFuture<Estimate> estimate(
      PostgresContext context,
      EventLoop loop,
      Connection connection,
      List<String> schemas,
      String sql,
      BoundParameters bound) {
    CompletableFuture<Estimate> result = new CompletableFuture<>();
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("application_name", "warden-estimate");
    parameters.put("default_transaction_read_only", "on");
    parameters.put("standard_conforming_strings", "on");
    parameters.put("statement_timeout", "2000ms");
    parameters.put("lock_timeout", "1000ms");
    if (schemas != null && !schemas.isEmpty()) {
      // The held session's own path, so its unqualified names resolve to the same tables.
      List<String> quoted = new ArrayList<>(schemas.size());
      for (String schema : schemas) {
        quoted.add("\"" + schema.replace("\"", "\"\"") + "\"");
      }
      parameters.put("search_path", String.join(", ", quoted));
    }
    var scheduled =
        loop.schedule(
            () -> {
              result.complete(
                  Estimate.unavailable(
                      "the planner did not answer within " + DEADLINE.toMillis() + " ms"));
            },
            DEADLINE.toMillis(),
            TimeUnit.MILLISECONDS);
    result.whenComplete((e, f) -> scheduled.cancel(false));
    BackendConnector.connect(context, loop, connection, parameters)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                result.complete(
                    Estimate.unavailable("cannot reach the database: " + f.cause().getMessage()));
                return;
              }
              Channel channel = ((BackendConnection) f.getNow()).channel();
              result.whenComplete((e, failure) -> channel.close());
              channel.pipeline().replace("startup", "explain", new Explain(result));
              List<ByteBuf> values = new ArrayList<>(bound.values().size());
              for (byte[] v : bound.values()) {
                values.add(v == null ? null : Unpooled.wrappedBuffer(v));
              }
              channel.write(new Parse("", "EXPLAIN (FORMAT JSON) " + sql, bound.types()));
              channel.write(new Bind("", "", bound.formats(), values, List.of()));
              channel.write(new Execute("", 0));
              channel.writeAndFlush(new Sync());
              channel.config().setAutoRead(true);
            });
    return result;
  }

  /** Reads the plan (one row, one JSON value) or the error, then ends the session. */
  private static final class Explain extends ChannelInboundHandlerAdapter {
    private final CompletableFuture<Estimate> result;
    private final StringBuilder plan = new StringBuilder();
    private String error;

    Explain(CompletableFuture<Estimate> result) {
      this.result = result;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf frame = (ByteBuf) msg;
      try {
        switch (BackendMessage.decode(frame)) {
          case DataRow row when !row.values().isEmpty() && row.values().getFirst() != null ->
              plan.append(row.values().getFirst().toString(StandardCharsets.UTF_8));
          case ErrorResponse e -> error = e.sqlState() + ": " + e.message();
          case ReadyForQuery r -> {
            ctx.writeAndFlush(new Terminate());
            result.complete(
                error != null
                    ? Estimate.unavailable("the planner refused the statement (" + error + ")")
                    : read(plan.toString()));
          }
          default -> {}
        }
      } finally {
        frame.release();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      result.complete(Estimate.unavailable("the database connection failed: " + cause));
      ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      result.complete(Estimate.unavailable("the database closed the connection"));
    }
  }

  /**
   * The estimate in an {@code EXPLAIN (FORMAT JSON)} plan: the rows each table-changing node
   * (ModifyTable, wherever it sits — writable CTEs too) takes from its input, summed, and the
   * outermost nodes' shape.
   */
  static Estimate read(String json) {
    JsonNode top;
    try {
      top = JSON.readTree(json).path(0).path("Plan");
    } catch (Exception e) {
      return Estimate.unavailable("the plan could not be read");
    }
    if (top.isMissingNode()) {
      return Estimate.unavailable("the database returned no plan");
    }
    long[] rows = {0};
    int[] modifying = {0};
    sum(top, rows, modifying);
    if (modifying[0] == 0) {
      return Estimate.unavailable("the plan changes no table directly");
    }
    List<String> shape = new ArrayList<>();
    for (JsonNode node = top; !node.isMissingNode() && shape.size() < 4; ) {
      shape.add(describe(node));
      node = input(node);
    }
    return Estimate.of(rows[0], String.join(" <- ", shape));
  }

  private static void sum(JsonNode node, long[] rows, int[] modifying) {
    if ("ModifyTable".equals(node.path("Node Type").asText())) {
      modifying[0]++;
      rows[0] += input(node).path("Plan Rows").asLong(0);
    }
    for (JsonNode child : node.path("Plans")) {
      sum(child, rows, modifying);
    }
  }

  /** A node's input: its outer child (not an InitPlan or SubPlan beside it). */
  private static JsonNode input(JsonNode node) {
    for (JsonNode child : node.path("Plans")) {
      if ("Outer".equals(child.path("Parent Relationship").asText())) {
        return child;
      }
    }
    return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
  }

  private static String describe(JsonNode node) {
    StringBuilder s = new StringBuilder();
    if ("ModifyTable".equals(node.path("Node Type").asText())) {
      s.append(node.path("Operation").asText("Modify"));
    } else {
      s.append(node.path("Node Type").asText("?"));
    }
    if (node.has("Index Name")) {
      s.append(" using ").append(node.path("Index Name").asText());
    }
    if (node.has("Relation Name")) {
      s.append(" on ").append(node.path("Relation Name").asText());
    }
    return s.toString();
  }
}
