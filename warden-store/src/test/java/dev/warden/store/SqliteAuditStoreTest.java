package dev.warden.store;

/** The store contract on the embedded SQLite store. */
class SqliteAuditStoreTest extends AuditStoreContract {
  @Override
  AuditStore openEmpty() {
    return AuditStore.sqlite(dir.resolve("audit.db"));
  }
}
