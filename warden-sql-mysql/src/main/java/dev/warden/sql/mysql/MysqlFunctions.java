package dev.warden.sql.mysql;

import dev.warden.core.sql.FunctionCatalog;

/**
 * MySQL's and MariaDB's built-in functions and what they may do: volatile are those with an effect
 * (locks, waits, sequences, reading server files), stable those that read the session or the clock.
 * A stored function the catalog read did not find is unknown, which policy treats as volatile.
 */
public final class MysqlFunctions {
  private MysqlFunctions() {}

  public static FunctionCatalog builtin() {
    return FunctionCatalog.read(MysqlFunctions.class.getResourceAsStream("mysql-functions.tsv"));
  }

  /** The built-ins plus a catalog's stored functions, into {@code builder}. */
  public static FunctionCatalog.Builder withBuiltins(FunctionCatalog.Builder builder) {
    try (var in = MysqlFunctions.class.getResourceAsStream("mysql-functions.tsv");
        var reader =
            new java.io.BufferedReader(
                new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (!line.isEmpty() && !line.startsWith("#")) {
          String[] f = line.split("\t", 3);
          builder.add(f[0], f[1], f[2].charAt(0));
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return builder;
  }
}
