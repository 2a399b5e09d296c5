package dev.warden.frontend.postgres;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.core.identity.CredentialShapes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The client's startup parameters, checked. PostgreSQL treats every startup parameter other than
 * user, database, options and replication as a setting ({@code role}, {@code
 * default_transaction_read_only}, {@code standard_conforming_strings}…), so only settings that
 * cannot widen privileges or change how SQL text parses are passed on; anything else is refused by
 * name. Client encodings whose multi-byte characters can contain ASCII quote or backslash bytes are
 * refused too: the gateway and the server must read the same statement text.
 */
public record StartupParameters(
    String user, String database, Map<String, String> forwarded, String handoff) {

  /**
   * What starts an application name that carries a handoff ticket (a session Warden's MCP door
   * opens for an agent, see {@code Handoffs}: drivers send no startup parameter of their own
   * choosing, but all send application_name); such a name is never forwarded.
   */
  public static final String HANDOFF_PREFIX = dev.warden.gateway.Handoffs.APPLICATION_PREFIX;

  static final Set<String> FORWARDED =
      Set.of(
          "application_name",
          "client_encoding",
          "datestyle",
          "timezone",
          "intervalstyle",
          "extra_float_digits",
          "bytea_output",
          "search_path",
          "statement_timeout",
          "lock_timeout",
          "idle_in_transaction_session_timeout",
          "client_min_messages",
          "lc_monetary",
          "lc_numeric",
          "lc_time",
          "geqo");

  private static final Set<String> UNSAFE_CLIENT_ENCODINGS =
      Set.of(
          "sjis",
          "shift_jis",
          "big5",
          "gbk",
          "gb18030",
          "uhc",
          "johab",
          "win932",
          "win936",
          "win949",
          "win950",
          "cp932",
          "cp936",
          "cp949",
          "cp950",
          "shiftjis2004",
          "shift_jis_2004");

  public StartupParameters {
    forwarded = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(forwarded));
  }

  public String applicationName() {
    return forwarded.getOrDefault("application_name", "");
  }

  /** Checks the parameters of a StartupMessage; protocol options ({@code _pq_.*}) are skipped. */
  public static StartupParameters of(Map<String, String> parameters) {
    String user = parameters.get("user");
    if (user == null || user.isEmpty()) {
      throw new WardenException(
          ErrorCode.PROTOCOL_VIOLATION,
          "no user name in the startup message",
          "set a user name (any name: Warden identifies you by your key or token)");
    }
    String database = parameters.getOrDefault("database", "");
    if (database.isEmpty()) {
      database = user;
    }
    Map<String, String> forwarded = new LinkedHashMap<>();
    String handoff = null;
    for (Map.Entry<String, String> p : parameters.entrySet()) {
      String name = p.getKey();
      if (name.equals("user") || name.equals("database") || name.startsWith("_pq_.")) {
        continue;
      }
      if (name.equals("application_name") && p.getValue().startsWith(HANDOFF_PREFIX)) {
        handoff = p.getValue().substring(HANDOFF_PREFIX.length());
        continue;
      }
      String key = name.toLowerCase(Locale.ROOT);
      if (key.equals("replication")) {
        throw new WardenException(
            ErrorCode.FEATURE_NOT_SUPPORTED,
            "replication connections are not allowed through Warden",
            null);
      }
      if (!FORWARDED.contains(key)) {
        throw new WardenException(
            ErrorCode.INVALID_PARAMETER,
            "startup parameter '" + name + "' is not allowed through Warden",
            "allowed startup parameters: "
                + String.join(", ", FORWARDED.stream().sorted().toList())
                + (key.equals("options") ? "; change settings with SET after connecting" : ""));
      }
      if (key.equals("client_encoding")
          && UNSAFE_CLIENT_ENCODINGS.contains(
              p.getValue().toLowerCase(Locale.ROOT).replace("-", "_"))) {
        throw new WardenException(
            ErrorCode.INVALID_PARAMETER,
            "client_encoding " + p.getValue() + " is not allowed through Warden",
            "use UTF8: in this encoding a multi-byte character can hide a quote or backslash");
      }
      // A credential in the application name would show in the database's own views and logs.
      forwarded.put(
          name,
          name.equals("application_name")
              ? CredentialShapes.redactName(p.getValue())
              : p.getValue());
    }
    return new StartupParameters(user, database, forwarded, handoff);
  }

  /** The protocol options ({@code _pq_.*}) the client asked for; Warden supports none. */
  public static List<String> protocolOptions(Map<String, String> parameters) {
    return parameters.keySet().stream().filter(n -> n.startsWith("_pq_.")).toList();
  }
}
