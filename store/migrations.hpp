// The schema as an ordered list of migrations, applied at start-up and tracked in user_version.
#pragma once

#include "common/expected.hpp"
#include "store/sqlite.hpp"

#include <span>
#include <string>
#include <string_view>

namespace mcpwatch::store {

// To change the schema, append a Migration to the list in migrations.cpp with the next version;
// never edit one that has shipped. Each runs once, in order, inside the start-up transaction.
struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

std::span<const Migration> migrations();
// The schema version this build writes (the last migration's version).
int latestSchemaVersion();

// Brings the database to latestSchemaVersion() in one IMMEDIATE transaction. A database written by
// a newer mcpwatch (user_version above ours) is refused with a message saying so. Returns the
// version found before migrating. Throws sqlite::Error on I/O or SQL failures.
common::Expected<int, std::string> migrate(sqlite::Connection& connection);

} // namespace mcpwatch::store
