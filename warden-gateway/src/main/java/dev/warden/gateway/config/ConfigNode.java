package dev.warden.gateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node of the parsed configuration with its dotted path, so every error names its key. String
 * values may reference secrets as {@code ${env:NAME}} or {@code ${file:PATH}}.
 */
final class ConfigNode {
  private static final Pattern REFERENCE = Pattern.compile("\\$\\{(env|file):([^}]+)}");
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
  private static final Pattern BYTES = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB)?");

  private final String path;
  private final JsonNode node;
  private final Function<String, String> environment;

  ConfigNode(String path, JsonNode node, Function<String, String> environment) {
    this.path = path;
    this.node = node;
    this.environment = environment;
  }

  String path() {
    return path;
  }

  boolean isMissing() {
    return node == null || node.isMissingNode() || node.isNull();
  }

  ConfigNode child(String name) {
    if (!isMissing() && !node.isObject()) {
      throw error(path, "must be an object");
    }
    return new ConfigNode(
        path.isEmpty() ? name : path + "." + name,
        isMissing() ? null : node.get(name),
        environment);
  }

  /** Fails on any key not in {@code known}: a typo must not silently fall back to a default. */
  ConfigNode onlyKeys(Set<String> known) {
    if (isMissing()) {
      return this;
    }
    if (!node.isObject()) {
      throw error(path, "must be an object");
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!known.contains(key)) {
        throw error(
            path.isEmpty() ? key : path + "." + key,
            "is not a known key (known here: "
                + String.join(", ", known.stream().sorted().toList())
                + ")");
      }
    }
    return this;
  }

  /** An embedded JSON object as JSON text (e.g. an inline policy); null when absent. */
  String jsonText() {
    if (isMissing()) {
      return null;
    }
    if (!node.isObject()) {
      throw error(path, "must be an object");
    }
    return node.toString();
  }

  String string(String defaultValue) {
    if (isMissing()) {
      return defaultValue;
    }
    if (!node.isTextual() && !node.isNumber() && !node.isBoolean()) {
      throw error(path, "must be a string");
    }
    return resolve(node.asText());
  }

  String requiredString() {
    String value = string(null);
    if (value == null || value.isBlank()) {
      throw error(path, "is required");
    }
    return value;
  }

  int integer(int defaultValue, int min, int max) {
    if (isMissing()) {
      return defaultValue;
    }
    if (!node.canConvertToInt()) {
      throw error(path, "must be a whole number");
    }
    int value = node.asInt();
    if (value < min || value > max) {
      throw error(path, "must be between " + min + " and " + max + ", not " + value);
    }
    return value;
  }

  boolean bool(boolean defaultValue) {
    if (isMissing()) {
      return defaultValue;
    }
    if (!node.isBoolean()) {
      throw error(path, "must be true or false");
    }
    return node.asBoolean();
  }

  Duration duration(Duration defaultValue) {
    if (isMissing()) {
      return defaultValue;
    }
    Matcher m = DURATION.matcher(node.asText().trim());
    if (!m.matches()) {
      throw error(
          path, "must be a duration such as 500ms, 10s, 5m, 1h or 0s, not '" + node.asText() + "'");
    }
    long amount = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      case "h" -> Duration.ofHours(amount);
      default -> Duration.ofDays(amount);
    };
  }

  int bytes(int defaultValue, int min, int max) {
    if (isMissing()) {
      return defaultValue;
    }
    Matcher m = BYTES.matcher(node.asText().trim());
    if (!m.matches()) {
      throw error(
          path, "must be a size such as 16MiB, 64KiB or 1048576, not '" + node.asText() + "'");
    }
    long value = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2);
    value *=
        switch (unit) {
          case "KiB" -> 1024L;
          case "MiB" -> 1024L * 1024;
          case "GiB" -> 1024L * 1024 * 1024;
          default -> 1L;
        };
    if (value < min || value > max) {
      throw error(path, "must be between " + min + " and " + max + " bytes, not " + value);
    }
    return (int) value;
  }

  Path pathValue(Path base) {
    String value = string(null);
    if (value == null) {
      return null;
    }
    Path p = Path.of(value);
    return p.isAbsolute() || base == null ? p : base.resolve(p).normalize();
  }

  List<String> stringList(List<String> defaultValue) {
    if (isMissing()) {
      return defaultValue;
    }
    List<String> values = new ArrayList<>();
    for (ConfigNode item : items()) {
      values.add(item.requiredString());
    }
    return values;
  }

  List<ConfigNode> items() {
    if (isMissing()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw error(path, "must be a list");
    }
    List<ConfigNode> items = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      items.add(new ConfigNode(path + "[" + i + "]", node.get(i), environment));
    }
    return items;
  }

  Map<String, ConfigNode> entries() {
    Map<String, ConfigNode> entries = new LinkedHashMap<>();
    if (isMissing()) {
      return entries;
    }
    if (!node.isObject()) {
      throw error(path, "must be an object");
    }
    node.fieldNames().forEachRemaining(name -> entries.put(name, child(name)));
    return entries;
  }

  ConfigException error(String message) {
    return error(path, message);
  }

  static ConfigException error(String path, String message) {
    return new ConfigException("configuration key '" + path + "' " + message);
  }

  private String resolve(String value) {
    Matcher m = REFERENCE.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement =
          switch (m.group(1)) {
            case "env" -> {
              String env = environment.apply(m.group(2));
              if (env == null) {
                throw error(
                    path, "refers to environment variable " + m.group(2) + ", which is not set");
              }
              yield env;
            }
            default -> {
              try {
                yield Files.readString(Path.of(m.group(2))).strip();
              } catch (IOException e) {
                throw error(
                    path,
                    "refers to file " + m.group(2) + ", which cannot be read: " + e.getMessage());
              }
            }
          };
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }
}
