// SQLite C API wrappers: errors become sqlite::Error with the database path and the system reason.
#include "store/sqlite.hpp"

#include <cstring>
#include <fmt/format.h>
#include <sqlite3.h>

namespace mcpwatch::store::sqlite {

Statement::Statement(Connection& connection, std::string_view sql) : connection_(&connection) {
  // PERSISTENT: most statements live in the connection's cache for the life of the process.
  int rc = sqlite3_prepare_v3(connection.handle(), sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
    connection.fail(rc);
  }
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept
    : connection_(other.connection_), stmt_(other.stmt_) {
  other.stmt_ = nullptr;
}

Statement& Statement::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK)
    connection_->fail(rc);
  return *this;
}

Statement& Statement::bind(int index, double value) {
  int rc = sqlite3_bind_double(stmt_, index, value);
  if (rc != SQLITE_OK)
    connection_->fail(rc);
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK)
    connection_->fail(rc);
  return *this;
}

Statement& Statement::bindNull(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK)
    connection_->fail(rc);
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW)
    return true;
  if (rc == SQLITE_DONE)
    return false;
  // Read the message before reset() replaces it.
  std::string message = connection_->lastError();
  sqlite3_reset(stmt_);
  throw Error(rc, fmt::format("{}: {}", connection_->path(), message));
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::isNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double Statement::real(int column) const {
  return sqlite3_column_double(stmt_, column);
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  if (p == nullptr)
    return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<std::int64_t> Statement::optInt64(int column) const {
  if (isNull(column))
    return std::nullopt;
  return int64(column);
}

std::optional<double> Statement::optReal(int column) const {
  if (isNull(column))
    return std::nullopt;
  return real(column);
}

std::optional<std::string> Statement::optText(int column) const {
  if (isNull(column))
    return std::nullopt;
  return text(column);
}

Connection::Connection(const std::string& path, bool create) : path_(path) {
  // NOMUTEX: each connection is used by one thread at a time (writer thread or a pooled reader).
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string reason = db_ != nullptr ? lastError() : std::string(sqlite3_errstr(rc));
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw Error(rc, fmt::format("{}: {}", path_, reason));
  }
  sqlite3_extended_result_codes(db_, 1);
}

Connection::~Connection() {
  // Statements must be finalized before the connection closes.
  cache_.clear();
  sqlite3_close_v2(db_);
}

void Connection::exec(std::string_view sql) {
  std::string owned(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    sqlite3_free(message);
    throw Error(rc, fmt::format("{}: {}", path_, lastError()));
  }
}

Statement& Connection::cached(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end())
    it = cache_.emplace(std::string(sql), std::make_unique<Statement>(*this, sql)).first;
  else
    it->second->reset();
  return *it->second;
}

Connection::Use Connection::use(std::string_view sql) {
  return Use(cached(sql));
}

std::int64_t Connection::queryInt(std::string_view sql) {
  Statement stmt(*this, sql);
  if (!stmt.step())
    throw Error(SQLITE_ERROR, fmt::format("{}: no result for {}", path_, sql));
  return stmt.int64(0);
}

int Connection::changes() const {
  return sqlite3_changes(db_);
}

bool Connection::inTransaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

bool Connection::readOnly() const {
  return sqlite3_db_readonly(db_, "main") == 1;
}

std::string Connection::lastError() const {
  std::string text = sqlite3_errmsg(db_);
  int code = sqlite3_extended_errcode(db_);
  int sys = sqlite3_system_errno(db_);
  // The system errno is only meaningful for I/O and open failures.
  int primary = code & 0xff;
  if (sys != 0 && (primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR ||
                   primary == SQLITE_READONLY || primary == SQLITE_PERM))
    text += fmt::format(" ({})", std::strerror(sys));
  return text;
}

void Connection::fail(int code) const {
  throw Error(code, fmt::format("{}: {}", path_, lastError()));
}

Transaction::Transaction(Connection& connection, Mode mode) : connection_(connection) {
  connection_.exec(mode == Mode::Immediate ? "BEGIN IMMEDIATE" : "BEGIN");
}

Transaction::~Transaction() {
  if (open_ && connection_.inTransaction())
    sqlite3_exec(connection_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  connection_.exec("COMMIT");
  open_ = false;
}

// Savepoints wrap every queued write, so their statements are prepared once and reused.
Savepoint::Savepoint(Connection& connection) : connection_(connection) {
  connection_.cached("SAVEPOINT w").run();
}

Savepoint::~Savepoint() {
  // After some errors (disk full, I/O) SQLite has already rolled back the whole transaction and
  // the savepoint is gone; only unwind it when it still exists.
  if (open_ && connection_.inTransaction()) {
    sqlite3_exec(connection_.handle(), "ROLLBACK TO w", nullptr, nullptr, nullptr);
    sqlite3_exec(connection_.handle(), "RELEASE w", nullptr, nullptr, nullptr);
  }
}

void Savepoint::release() {
  connection_.cached("RELEASE w").run();
  open_ = false;
}

} // namespace mcpwatch::store::sqlite
