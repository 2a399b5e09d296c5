package dev.warden.core.sql;

/**
 * How a COPY … TO STDOUT writes its rows, from the statement's options, so the gateway can find
 * each field of a row to mask it: {@code text} (fields split by {@code delimiter}, backslash
 * escapes, {@code nullString} for NULL), {@code csv} (fields split by {@code delimiter}, quoted
 * with {@code quote}, {@code escape} before a quote inside quotes) or {@code binary}. {@code
 * understood} is false when an option changes the output in a way Warden does not parse (another
 * encoding, a multi-character delimiter): the rows then cannot be masked.
 */
public record CopyFormat(
    String format,
    char delimiter,
    char quote,
    char escape,
    String nullString,
    boolean header,
    boolean understood) {

  public static final CopyFormat TEXT = new CopyFormat("text", '\t', '"', '"', "\\N", false, true);

  public boolean csv() {
    return format.equals("csv");
  }

  public boolean binary() {
    return format.equals("binary");
  }
}
