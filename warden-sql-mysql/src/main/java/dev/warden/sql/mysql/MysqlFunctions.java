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
    return FunctionCatalog.read(resource());
  }

  /** The built-ins added to {@code builder} (to which a catalog's stored functions are added). */
  public static FunctionCatalog.Builder withBuiltins(FunctionCatalog.Builder builder) {
    return builder.load(resource());
  }

  private static java.io.InputStream resource() {
    return MysqlFunctions.class.getResourceAsStream("mysql-functions.tsv");
  }
}
