package dev.warden.core.sql;

/** A table (or view) a statement names; {@code schema} is null when the name is unqualified. */
public record TableRef(String schema, String name) {
  @Override
  public String toString() {
    return schema == null ? name : schema + "." + name;
  }
}
