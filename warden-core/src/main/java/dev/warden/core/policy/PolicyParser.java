package dev.warden.core.policy;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.core.mask.DataClass;
import dev.warden.core.mask.MaskStrategy;
import dev.warden.core.policy.Policy.Grant;
import dev.warden.core.policy.Policy.MaskRule;
import dev.warden.core.policy.Policy.Rule;
import dev.warden.core.sql.StatementClass;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a policy (JSON, format of {@code policy.schema.json} next to this class) into a {@link
 * Policy}, checking everything the schema says and more (rule ids unique across the policy), with
 * errors that name the JSON path: {@code $.grants[0].allow[1].classes[0]: unknown class 'REED'}.
 */
public final class PolicyParser {
  /** The JSON Schema of the policy format, as a classpath resource. */
  public static final String SCHEMA_RESOURCE = "/dev/warden/core/policy/policy.schema.json";

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]+");
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
  private static final Set<String> CLASSES =
      Set.of("READ", "WRITE", "DDL", "DCL", "TRANSACTION", "SESSION", "COPY", "UTILITY");

  private final ObjectMapper json = new ObjectMapper();
  private final byte[] tokenKey;

  /**
   * A parser whose {@code token} masks use a random key: tokens are stable for this parser only.
   * The gateway passes its persistent key instead.
   */
  public PolicyParser() {
    this(randomKey());
  }

  /** A parser whose {@code token} masks are keyed by {@code tokenKey} (at least 16 bytes). */
  public PolicyParser(byte[] tokenKey) {
    this.tokenKey = tokenKey.clone();
  }

  private static byte[] randomKey() {
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    return key;
  }

  public Policy parse(String text) {
    JsonNode root;
    try {
      root = json.readTree(text);
    } catch (JacksonException e) {
      throw new PolicyException("$: not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new PolicyException("$: a policy is a JSON object");
    }
    only(root, "$", Set.of("version", "grants", "volatileFunctions"));
    if (!root.path("version").isInt() || root.path("version").asInt() != 1) {
      throw new PolicyException("$.version: must be 1");
    }
    JsonNode grants = root.path("grants");
    if (!grants.isArray()) {
      throw new PolicyException("$.grants: must be an array");
    }
    Set<String> ids = new HashSet<>();
    List<Grant> out = new ArrayList<>();
    for (int i = 0; i < grants.size(); i++) {
      out.add(grant(grants.get(i), "$.grants[" + i + "]", ids));
    }
    if (root.has("volatileFunctions")) {
      return new Policy(
          out, List.copyOf(names(root.path("volatileFunctions"), "$.volatileFunctions", false)));
    }
    return new Policy(out);
  }

  /** Reads the policy that ships as an example (DESIGN.md's sample). */
  public Policy sample() {
    return parse(sampleText());
  }

  /** The text of the sample policy, to write out as a starting point. */
  public static String sampleText() {
    try (InputStream in =
        PolicyParser.class.getResourceAsStream("/dev/warden/core/policy/sample-policy.json")) {
      if (in == null) {
        throw new IllegalStateException("the sample policy is missing from the jar");
      }
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("the sample policy cannot be read", e);
    }
  }

  private Grant grant(JsonNode node, String path, Set<String> ids) {
    object(node, path);
    only(
        node,
        path,
        Set.of(
            "id",
            "roles",
            "connections",
            "allow",
            "hold",
            "deny",
            "limits",
            "masks",
            "classifiers"));
    String id = id(node, path, ids);
    Set<String> roles = names(node.path("roles"), path + ".roles", true);
    Set<String> connections = names(node.path("connections"), path + ".connections", true);
    List<Rule> allow = rules(node.path("allow"), path + ".allow", ids);
    List<Rule> hold = rules(node.path("hold"), path + ".hold", ids);
    List<Rule> deny = rules(node.path("deny"), path + ".deny", ids);
    Limits limits = Limits.NONE;
    JsonNode l = node.path("limits");
    if (!l.isMissingNode()) {
      object(l, path + ".limits");
      only(l, path + ".limits", Set.of("maxRowsReturned", "maxRowsAffected", "statementTimeout"));
      Duration statementTimeout =
          duration(l.path("statementTimeout"), path + ".limits.statementTimeout");
      limits =
          new Limits(
              count(l.path("maxRowsReturned"), path + ".limits.maxRowsReturned"),
              count(l.path("maxRowsAffected"), path + ".limits.maxRowsAffected"),
              statementTimeout == null ? Duration.ZERO : statementTimeout);
    }
    List<MaskRule> masks = new ArrayList<>();
    JsonNode m = node.path("masks");
    if (!m.isMissingNode()) {
      if (!m.isArray()) {
        throw new PolicyException(path + ".masks: must be an array of mask rules");
      }
      for (int i = 0; i < m.size(); i++) {
        masks.add(mask(m.get(i), path + ".masks[" + i + "]", ids));
      }
    }
    Set<DataClass> classifiers = EnumSet.noneOf(DataClass.class);
    int i = 0;
    for (String c : names(node.path("classifiers"), path + ".classifiers", false)) {
      try {
        classifiers.add(DataClass.valueOf(c.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new PolicyException(
            path
                + ".classifiers["
                + i
                + "]: unknown data class '"
                + c
                + "' (one of CARD_NUMBER, SSN, EMAIL, IBAN)");
      }
      i++;
    }
    return new Grant(id, roles, connections, allow, hold, deny, limits, masks, classifiers);
  }

  private MaskRule mask(JsonNode node, String path, Set<String> ids) {
    object(node, path);
    only(node, path, Set.of("id", "columns", "strategy", "keep", "constant", "allowFilter"));
    JsonNode allowFilter = node.path("allowFilter");
    if (!allowFilter.isMissingNode() && !allowFilter.isBoolean()) {
      throw new PolicyException(path + ".allowFilter: must be true or false");
    }
    String id = id(node, path, ids);
    List<String> columns = List.copyOf(names(node.path("columns"), path + ".columns", true));
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).split("\\.", -1).length > 3) {
        throw new PolicyException(
            path
                + ".columns["
                + i
                + "]: a column glob is column, table.column or schema.table.column");
      }
    }
    JsonNode strategy = node.path("strategy");
    if (!strategy.isTextual()) {
      throw new PolicyException(
          path
              + ".strategy: required; one of redact, keep-last, partial-email, token, null, constant");
    }
    MaskStrategy masker =
        switch (strategy.asText()) {
          case "redact" -> new MaskStrategy.Redact();
          case "keep-last" -> {
            JsonNode keep = node.path("keep");
            int n = keep.isMissingNode() ? 4 : keep.asInt(-1);
            if (!keep.isMissingNode() && (!keep.isInt() || n < 0 || n > 8)) {
              throw new PolicyException(path + ".keep: must be a whole number from 0 to 8");
            }
            yield new MaskStrategy.KeepLast(n);
          }
          case "partial-email" -> new MaskStrategy.PartialEmail();
          case "token" -> new MaskStrategy.Token(tokenKey);
          case "null" -> new MaskStrategy.Nullify();
          case "constant" -> {
            if (!node.path("constant").isTextual()) {
              throw new PolicyException(path + ".constant: required with strategy constant");
            }
            yield new MaskStrategy.Constant(node.path("constant").asText());
          }
          default ->
              throw new PolicyException(
                  path
                      + ".strategy: unknown strategy '"
                      + strategy.asText()
                      + "' (one of redact, keep-last, partial-email, token, null, constant)");
        };
    return new MaskRule(id, columns, masker, allowFilter.asBoolean(false));
  }

  private List<Rule> rules(JsonNode node, String path, Set<String> ids) {
    if (node.isMissingNode()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw new PolicyException(path + ": must be an array of rules");
    }
    List<Rule> rules = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      rules.add(rule(node.get(i), path + "[" + i + "]", ids));
    }
    return rules;
  }

  private Rule rule(JsonNode node, String path, Set<String> ids) {
    object(node, path);
    only(
        node,
        path,
        Set.of(
            "id",
            "classes",
            "verbs",
            "objects",
            "functions",
            "reason",
            "approvers",
            "timeout",
            "mode",
            "approvals"));
    String id = id(node, path, ids);
    Set<StatementClass> classes = new LinkedHashSet<>();
    int i = 0;
    for (String c : names(node.path("classes"), path + ".classes", false)) {
      String upper = c.toUpperCase(Locale.ROOT);
      if (!CLASSES.contains(upper)) {
        throw new PolicyException(
            path
                + ".classes["
                + i
                + "]: unknown class '"
                + c
                + "' (one of "
                + String.join(", ", CLASSES.stream().sorted().toList())
                + ")");
      }
      classes.add(StatementClass.valueOf(upper));
      i++;
    }
    Duration timeout = duration(node.path("timeout"), path + ".timeout");
    JsonNode reason = node.path("reason");
    if (!reason.isMissingNode() && !reason.isTextual()) {
      throw new PolicyException(path + ".reason: must be a string");
    }
    JsonNode mode = node.path("mode");
    if (!mode.isMissingNode()
        && !(mode.isTextual() && (mode.asText().equals("wait") || mode.asText().equals("ask")))) {
      throw new PolicyException(path + ".mode: must be wait or ask");
    }
    JsonNode quorum = node.path("approvals");
    if (!quorum.isMissingNode()
        && !(quorum.isIntegralNumber() && quorum.asInt() >= 1 && quorum.asInt() <= 10)) {
      throw new PolicyException(path + ".approvals: must be a whole number from 1 to 10");
    }
    return new Rule(
        id,
        classes,
        names(node.path("verbs"), path + ".verbs", false),
        List.copyOf(names(node.path("objects"), path + ".objects", false)),
        List.copyOf(names(node.path("functions"), path + ".functions", false)),
        reason.isMissingNode() ? null : reason.asText(),
        names(node.path("approvers"), path + ".approvers", false),
        timeout,
        mode.asText("wait").equals("ask"),
        quorum.asInt(1));
  }

  private static String id(JsonNode node, String path, Set<String> ids) {
    JsonNode id = node.path("id");
    if (!id.isTextual() || !ID.matcher(id.asText()).matches()) {
      throw new PolicyException(path + ".id: required; letters, digits and _ . : - only");
    }
    if (!ids.add(id.asText())) {
      throw new PolicyException(
          path
              + ".id: '"
              + id.asText()
              + "' is used twice; rule ids name decisions and must be unique");
    }
    return id.asText();
  }

  private static Set<String> names(JsonNode node, String path, boolean required) {
    if (node.isMissingNode()) {
      if (required) {
        throw new PolicyException(path + ": required");
      }
      return Set.of();
    }
    if (!node.isArray()) {
      throw new PolicyException(path + ": must be an array of strings");
    }
    Set<String> out = new LinkedHashSet<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode item = node.get(i);
      if (!item.isTextual() || item.asText().isEmpty()) {
        throw new PolicyException(path + "[" + i + "]: must be a non-empty string");
      }
      if (!out.add(item.asText())) {
        throw new PolicyException(path + "[" + i + "]: '" + item.asText() + "' is listed twice");
      }
    }
    return out;
  }

  /** A duration such as 500ms, 30s, 15m or 1h; null when absent. */
  private static Duration duration(JsonNode t, String path) {
    if (t.isMissingNode()) {
      return null;
    }
    Matcher m = DURATION.matcher(t.asText());
    if (!t.isTextual() || !m.matches()) {
      throw new PolicyException(path + ": must be a duration such as 30s, 15m or 1h");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  private static long count(JsonNode node, String path) {
    if (node.isMissingNode()) {
      return 0;
    }
    if (!node.canConvertToLong() || node.asLong() < 0 || !node.isIntegralNumber()) {
      throw new PolicyException(path + ": must be a whole number, 0 or more");
    }
    return node.asLong();
  }

  private static void object(JsonNode node, String path) {
    if (!node.isObject()) {
      throw new PolicyException(path + ": must be an object");
    }
  }

  private static void only(JsonNode node, String path, Set<String> known) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!known.contains(key)) {
        throw new PolicyException(
            path
                + "."
                + key
                + ": not a known key (known: "
                + String.join(", ", known.stream().sorted().toList())
                + ")");
      }
    }
  }
}
