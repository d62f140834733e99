// Small RAII wrappers over the SQLite C API: connection, prepared statement, transaction,
// savepoint.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace mcpwatch::store::sqlite {

// These wrappers throw Error so that multi-statement code stays readable; the Store catches it at
// its public boundary and turns it into an error value, so no exception leaves the store.
class Error : public std::runtime_error {
public:
  Error(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }

private:
  int code_;
};

class Connection;

class Statement {
public:
  Statement(Connection& connection, std::string_view sql);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based as in SQLite. Text is copied (SQLITE_TRANSIENT) so temporaries are safe.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, bool value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, const std::string& value) {
    return bind(index, std::string_view(value));
  }
  Statement& bindNull(int index);
  template <class T> Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bindNull(index);
  }

  // Advances one row: true while a row is available, false once done. Throws on error.
  bool step();
  // Runs a statement that returns no rows (or ignores them) and resets it for reuse.
  void run();
  // Clears bindings and rewinds so a cached statement can be used again.
  void reset();

  bool isNull(int column) const;
  std::int64_t int64(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  std::optional<std::int64_t> optInt64(int column) const;
  std::optional<double> optReal(int column) const;
  std::optional<std::string> optText(int column) const;

private:
  Connection* connection_;
  sqlite3_stmt* stmt_ = nullptr;
};

class Connection {
public:
  // Opens (creating when `create`) the database. Throws Error naming the path and the reason.
  Connection(const std::string& path, bool create);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }
  // Runs one or more statements without results.
  void exec(std::string_view sql);
  // A prepared statement kept for the life of the connection, reset and ready to bind. Prefer
  // use(), which also resets it afterwards so no read snapshot stays open by accident.
  Statement& cached(std::string_view sql);
  class Use;
  Use use(std::string_view sql);
  // Runs a query returning one integer (e.g. a pragma).
  std::int64_t queryInt(std::string_view sql);
  int changes() const;
  bool inTransaction() const;
  bool readOnly() const;
  // The last error as "<sqlite message> (<system error>)" for error messages.
  std::string lastError() const;
  [[noreturn]] void fail(int code) const;

private:
  sqlite3* db_ = nullptr;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

// A cached statement for one use: reset on scope exit (an unreset SELECT would pin a WAL snapshot).
class Connection::Use {
public:
  explicit Use(Statement& statement) : statement_(statement) {}
  ~Use() { statement_.reset(); }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  Statement* operator->() { return &statement_; }
  Statement& operator*() { return statement_; }

private:
  Statement& statement_;
};

// BEGIN on construction, ROLLBACK in the destructor unless commit() ran.
class Transaction {
public:
  enum class Mode { Deferred, Immediate };
  explicit Transaction(Connection& connection, Mode mode = Mode::Deferred);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

private:
  Connection& connection_;
  bool open_ = true;
};

// A nested unit inside a transaction: one failed write rolls back alone, its batch goes on.
class Savepoint {
public:
  explicit Savepoint(Connection& connection);
  ~Savepoint();
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  void release();

private:
  Connection& connection_;
  bool open_ = true;
};

} // namespace mcpwatch::store::sqlite
