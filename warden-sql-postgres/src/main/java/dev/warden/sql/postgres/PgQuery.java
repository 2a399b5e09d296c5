package dev.warden.sql.postgres;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * libpg_query — PostgreSQL's parser extracted as a C library — called through the foreign-function
 * API. One instance per process is enough; calls are thread-safe (the library keeps its memory
 * contexts per thread).
 */
public final class PgQuery {
  /** The result of parsing: the JSON parse tree, or the parser's error and its position. */
  public record ParseResult(String json, String error, int errorPosition) {
    public boolean ok() {
      return error == null;
    }
  }

  private static final StructLayout ERROR =
      MemoryLayout.structLayout(
          ADDRESS.withName("message"),
          ADDRESS.withName("funcname"),
          ADDRESS.withName("filename"),
          JAVA_INT.withName("lineno"),
          JAVA_INT.withName("cursorpos"),
          ADDRESS.withName("context"));
  private static final StructLayout PARSE_RESULT =
      MemoryLayout.structLayout(
          ADDRESS.withName("parse_tree"),
          ADDRESS.withName("stderr_buffer"),
          ADDRESS.withName("error"));
  private static final StructLayout FINGERPRINT_RESULT =
      MemoryLayout.structLayout(
          JAVA_LONG.withName("fingerprint"),
          ADDRESS.withName("fingerprint_str"),
          ADDRESS.withName("stderr_buffer"),
          ADDRESS.withName("error"));
  private static final StructLayout NORMALIZE_RESULT =
      MemoryLayout.structLayout(ADDRESS.withName("normalized_query"), ADDRESS.withName("error"));
  private static final long ERROR_MESSAGE =
      ERROR.byteOffset(MemoryLayout.PathElement.groupElement("message"));
  private static final long ERROR_CURSOR =
      ERROR.byteOffset(MemoryLayout.PathElement.groupElement("cursorpos"));

  private final MethodHandle parse;
  private final MethodHandle freeParse;
  private final MethodHandle fingerprint;
  private final MethodHandle freeFingerprint;
  private final MethodHandle normalize;
  private final MethodHandle freeNormalize;

  private PgQuery(SymbolLookup library) {
    Linker linker = Linker.nativeLinker();
    parse =
        linker.downcallHandle(
            find(library, "pg_query_parse"), FunctionDescriptor.of(PARSE_RESULT, ADDRESS));
    freeParse =
        linker.downcallHandle(
            find(library, "pg_query_free_parse_result"), FunctionDescriptor.ofVoid(PARSE_RESULT));
    fingerprint =
        linker.downcallHandle(
            find(library, "pg_query_fingerprint"),
            FunctionDescriptor.of(FINGERPRINT_RESULT, ADDRESS));
    freeFingerprint =
        linker.downcallHandle(
            find(library, "pg_query_free_fingerprint_result"),
            FunctionDescriptor.ofVoid(FINGERPRINT_RESULT));
    normalize =
        linker.downcallHandle(
            find(library, "pg_query_normalize"), FunctionDescriptor.of(NORMALIZE_RESULT, ADDRESS));
    freeNormalize =
        linker.downcallHandle(
            find(library, "pg_query_free_normalize_result"),
            FunctionDescriptor.ofVoid(NORMALIZE_RESULT));
  }

  /**
   * Loads the library: {@code $WARDEN_PG_QUERY_LIBRARY} if set, else the Debian package's soname,
   * else the usual Homebrew places. Fails with a message saying how to install it.
   */
  public static PgQuery load() {
    List<String> candidates = new ArrayList<>();
    String configured = System.getenv("WARDEN_PG_QUERY_LIBRARY");
    if (configured != null && !configured.isBlank()) {
      candidates.add(configured);
    }
    candidates.addAll(
        List.of(
            "libpg_query.so.1504.0",
            "libpg_query.so",
            "/opt/homebrew/lib/libpg_query.dylib",
            "/usr/local/lib/libpg_query.dylib"));
    List<String> failures = new ArrayList<>();
    for (String candidate : candidates) {
      try {
        return new PgQuery(SymbolLookup.libraryLookup(candidate, Arena.global()));
      } catch (IllegalArgumentException | IllegalStateException e) {
        failures.add(candidate + ": " + e.getMessage());
      }
    }
    throw new IllegalStateException(
        "libpg_query (PostgreSQL's parser) is not installed: apt-get install libpg-query1504.0, or brew install libpg_query, "
            + "or set WARDEN_PG_QUERY_LIBRARY to its path. Tried: "
            + String.join("; ", failures));
  }

  private static MemorySegment find(SymbolLookup library, String name) {
    return library
        .find(name)
        .orElseThrow(() -> new IllegalStateException("libpg_query has no symbol " + name));
  }

  /**
   * Statements up to this many characters are parsed on the caller's thread. libpg_query's parser
   * and output functions recurse once per level of the parse tree, and a level can take as little
   * as one character ({@code ~~~~1}, {@code 1+1+1…}); at about 150 bytes of C stack per level, 2048
   * levels fit easily in a thread's default 1 MiB stack.
   */
  static final int INLINE_CHARS = 2048;

  /**
   * Longer statements are parsed on a thread with this much stack (reserved address space,
   * committed only as it is used): enough for the deepest tree a statement of the analyzer's
   * maximum length can produce, so no input can overflow the native stack and take the process
   * down.
   */
  static final long DEEP_STACK_BYTES = 512L * 1024 * 1024;

  private volatile ExecutorService deepStack;

  /** Runs a native call where its recursion cannot overflow the stack. */
  private <T> T onSafeStack(String sql, java.util.function.Supplier<T> call) {
    if (sql.length() <= INLINE_CHARS) {
      return call.get();
    }
    try {
      return deepStack().submit(call::get).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while parsing", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r
          ? r
          : new IllegalStateException("libpg_query call failed", e.getCause());
    }
  }

  private ExecutorService deepStack() {
    ExecutorService executor = deepStack;
    if (executor == null) {
      synchronized (this) {
        executor = deepStack;
        if (executor == null) {
          int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
          executor =
              Executors.newFixedThreadPool(
                  threads,
                  task -> {
                    Thread t = new Thread(null, task, "warden-parser", DEEP_STACK_BYTES);
                    t.setDaemon(true);
                    return t;
                  });
          deepStack = executor;
        }
      }
    }
    return executor;
  }

  /** Parses SQL with PostgreSQL's grammar into its JSON parse tree. */
  public ParseResult parse(String sql) {
    if (sql.indexOf('\0') >= 0) {
      // C would see the text up to the NUL only.
      return new ParseResult(null, "the statement contains a NUL character", sql.indexOf('\0'));
    }
    return onSafeStack(sql, () -> parseHere(sql));
  }

  private ParseResult parseHere(String sql) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment result =
          (MemorySegment) parse.invokeExact((SegmentAllocator) arena, arena.allocateFrom(sql));
      try {
        MemorySegment error =
            result.get(
                ADDRESS, PARSE_RESULT.byteOffset(MemoryLayout.PathElement.groupElement("error")));
        if (!error.equals(MemorySegment.NULL)) {
          MemorySegment e = error.reinterpret(ERROR.byteSize());
          return new ParseResult(
              null, string(e.get(ADDRESS, ERROR_MESSAGE)), e.get(JAVA_INT, ERROR_CURSOR));
        }
        return new ParseResult(string(result.get(ADDRESS, 0)), null, 0);
      } finally {
        freeParse.invokeExact(result);
      }
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("libpg_query call failed", t);
    }
  }

  /** PostgreSQL-compatible fingerprint: equal for statements that differ only in literals. */
  public String fingerprint(String sql) {
    return sql.indexOf('\0') >= 0 ? null : onSafeStack(sql, () -> fingerprintHere(sql));
  }

  private String fingerprintHere(String sql) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment result =
          (MemorySegment)
              fingerprint.invokeExact((SegmentAllocator) arena, arena.allocateFrom(sql));
      try {
        MemorySegment error =
            result.get(
                ADDRESS,
                FINGERPRINT_RESULT.byteOffset(MemoryLayout.PathElement.groupElement("error")));
        if (!error.equals(MemorySegment.NULL)) {
          return null;
        }
        return string(
            result.get(
                ADDRESS,
                FINGERPRINT_RESULT.byteOffset(
                    MemoryLayout.PathElement.groupElement("fingerprint_str"))));
      } finally {
        freeFingerprint.invokeExact(result);
      }
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("libpg_query call failed", t);
    }
  }

  /**
   * The statement with every constant replaced by a numbered parameter ({@code WHERE id = 5}
   * becomes {@code WHERE id = $1}), as PostgreSQL's pg_stat_statements shows it: equal for
   * statements that differ only in literals. Null when the statement does not parse.
   */
  public String normalize(String sql) {
    return sql.indexOf('\0') >= 0 ? null : onSafeStack(sql, () -> normalizeHere(sql));
  }

  private String normalizeHere(String sql) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment result =
          (MemorySegment) normalize.invokeExact((SegmentAllocator) arena, arena.allocateFrom(sql));
      try {
        MemorySegment error =
            result.get(
                ADDRESS,
                NORMALIZE_RESULT.byteOffset(MemoryLayout.PathElement.groupElement("error")));
        return error.equals(MemorySegment.NULL) ? string(result.get(ADDRESS, 0)) : null;
      } finally {
        freeNormalize.invokeExact(result);
      }
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("libpg_query call failed", t);
    }
  }

  private static String string(MemorySegment pointer) {
    return pointer.equals(MemorySegment.NULL)
        ? null
        : pointer.reinterpret(Long.MAX_VALUE).getString(0);
  }
}
