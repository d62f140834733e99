// Canonical tool JSON and SHA-256 fingerprints of a tool list.
#include "prober/fingerprint.hpp"

#include "common/crypto.hpp"

#include <algorithm>
#include <array>

namespace mcpwatch::prober {
namespace {

// The fields that make up a tool's contract with its callers (reference section 7). `_meta` and
// list-level fields (ttlMs, cacheScope, nextCursor) change without the schema changing.
constexpr std::array<const char*, 8> kSchemaFields = {"name",        "title",        "description",
                                                      "inputSchema", "outputSchema", "annotations",
                                                      "execution",   "icons"};

} // namespace

std::string canonicalJson(const common::Json& value) {
  // nlohmann's default object is a std::map<std::string, ...>: keys are already sorted by
  // byte value. Invalid UTF-8 from a server is replaced instead of throwing.
  return value.dump(-1, ' ', false, common::Json::error_handler_t::replace);
}

std::string canonicalTool(const common::Json& tool) {
  common::Json picked = common::Json::object();
  if (tool.is_object()) {
    for (const char* field : kSchemaFields) {
      auto it = tool.find(field);
      if (it != tool.end())
        picked[field] = *it;
    }
  }
  return canonicalJson(picked);
}

ToolsSummary fingerprintTools(const std::vector<common::Json>& tools) {
  struct Entry {
    std::string name;
    std::string canonical;
    std::string hash;
  };
  std::vector<Entry> entries;
  entries.reserve(tools.size());
  for (const auto& tool : tools) {
    if (!tool.is_object())
      continue;
    auto name = tool.find("name");
    if (name == tool.end() || !name->is_string())
      continue;
    Entry e{name->get<std::string>(), canonicalTool(tool), {}};
    e.hash = common::sha256Hex(e.canonical);
    entries.push_back(std::move(e));
  }
  // Duplicate names are a server bug; ordering them by hash keeps the fingerprint independent
  // of the order the server sent them in.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.name != b.name ? a.name < b.name : a.hash < b.hash;
  });

  ToolsSummary summary;
  summary.count = entries.size();
  std::string all = "[";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i)
      all += ',';
    all += entries[i].canonical;
    summary.tools.push_back({entries[i].name, entries[i].hash});
  }
  all += ']';
  summary.fingerprint = "sha256:" + common::sha256Hex(all);
  return summary;
}

} // namespace mcpwatch::prober
