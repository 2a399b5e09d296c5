package dev.warden.core.sql;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The functions a database has and their volatility ({@code pg_proc.provolatile}). A volatile
 * function may write (nextval, lo_import, set_config, any user function declared VOLATILE, the
 * default), so policy treats it as a possible write unless it is listed as safe. A name the catalog
 * does not know is treated the same way: Warden cannot tell what it does.
 *
 * <p>Names are kept as {@code schema.name} and as the bare {@code name}; a bare name carries the
 * most volatile of every schema's function of that name, since which one runs depends on the search
 * path and the argument types.
 */
public final class FunctionCatalog {
  /** How a function may behave, from pg_proc. UNKNOWN: not in the catalog. */
  public enum Volatility {
    IMMUTABLE,
    STABLE,
    VOLATILE,
    UNKNOWN
  }

  private static final String BUILTIN = "/dev/warden/core/sql/pg15-functions.tsv";

  private final Map<String, Volatility> functions;
  private final Instant loadedAt;

  private FunctionCatalog(Map<String, Volatility> functions, Instant loadedAt) {
    this.functions = functions;
    this.loadedAt = loadedAt;
  }

  /** PostgreSQL 15's built-in functions (pg_catalog, information_schema), shipped in the jar. */
  public static FunctionCatalog builtin() {
    return read(FunctionCatalog.class.getResourceAsStream(BUILTIN));
  }

  /**
   * A catalog shipped in a jar: one function per line, tab-separated schema, name and volatility
   * ('i', 's' or 'v'); {@code #} starts a comment line.
   */
  public static FunctionCatalog read(InputStream resource) {
    return new Builder().load(resource).build(Instant.EPOCH);
  }

  /** The volatility of a function as the statement names it (bare or qualified). */
  public Volatility volatility(String name) {
    Volatility v = functions.get(name);
    return v == null ? Volatility.UNKNOWN : v;
  }

  /** Whether the function may write: volatile, or unknown to the catalog. */
  public boolean mayWrite(String name) {
    Volatility v = volatility(name);
    return v == Volatility.VOLATILE || v == Volatility.UNKNOWN;
  }

  /** When this catalog was read from the database (the epoch for the built-in one). */
  public Instant loadedAt() {
    return loadedAt;
  }

  /** Collects pg_proc rows. */
  public static final class Builder {
    private final Map<String, Volatility> functions = new HashMap<>();

    /** One pg_proc row: schema, name, provolatile ('i', 's' or 'v'). */
    public Builder add(String schema, String name, char provolatile) {
      Volatility v =
          switch (provolatile) {
            case 'i' -> Volatility.IMMUTABLE;
            case 's' -> Volatility.STABLE;
            default -> Volatility.VOLATILE;
          };
      functions.merge(schema + "." + name, v, Builder::worse);
      functions.merge(name, v, Builder::worse);
      return this;
    }

    /** Adds a shipped catalog's functions (see {@link #read}); closes {@code resource}. */
    public Builder load(InputStream resource) {
      try (InputStream in = resource;
          BufferedReader reader =
              new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          if (line.isEmpty() || line.startsWith("#")) {
            continue;
          }
          String[] f = line.split("\t", 3);
          add(f[0], f[1], f[2].charAt(0));
        }
      } catch (IOException | NullPointerException e) {
        throw new UncheckedIOException(
            "a built-in function catalog is missing from the jar",
            e instanceof IOException io ? io : new IOException(e));
      }
      return this;
    }

    public FunctionCatalog build(Instant loadedAt) {
      return new FunctionCatalog(Map.copyOf(functions), loadedAt);
    }

    private static Volatility worse(Volatility a, Volatility b) {
      return a.compareTo(b) >= 0 ? a : b;
    }
  }
}
