package dev.warden.core.admission;

import dev.warden.core.sql.ColumnCatalog;
import dev.warden.core.sql.FunctionCatalog;

/** Each connection's functions (their volatility) and columns, as the front doors read them. */
public interface Catalogs {
  FunctionCatalog functions(String connection);

  ColumnCatalog columns(String connection);
}
