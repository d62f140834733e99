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

namespace {

common::Json pickSchemaFields(const common::Json& tool) {
  common::Json picked = common::Json::object();
  if (tool.is_object()) {
    for (const char* field : kSchemaFields) {
      auto it = tool.find(field);
      if (it != tool.end())
        picked[field] = *it;
    }
  }
  return picked;
}

} // namespace

namespace {

// The canonical form, and the former one (before `execution.taskSupport: "forbidden"` was
// left out) only when it differs: most tools give one form, picked and serialized once.
std::string canonicalForms(const common::Json& tool, std::string* former) {
  common::Json picked = pickSchemaFields(tool);
  if (auto execution = picked.find("execution");
      execution != picked.end() && execution->is_object()) {
    auto task = execution->find("taskSupport");
    const bool forbidden = task != execution->end() && task->is_string() && *task == "forbidden";
    if (forbidden || execution->empty()) { // the former form kept both
      if (former)
        *former = canonicalJson(picked);
      if (forbidden)
        execution->erase(task);
      if (execution->empty())
        picked.erase(execution);
    }
  }
  return canonicalJson(picked);
}

} // namespace

std::string canonicalTool(const common::Json& tool) {
  return canonicalForms(tool, nullptr);
}

std::string formerCanonicalTool(const common::Json& tool) {
  return canonicalJson(pickSchemaFields(tool));
}

ToolsSummary fingerprintTools(const std::vector<common::Json>& tools) {
  struct Entry {
    std::string name;
    std::string canonical;
    std::string hash;
    std::string former; // formerCanonicalTool, only when it differs from `canonical`
  };
  std::vector<Entry> entries;
  entries.reserve(tools.size());
  for (const auto& tool : tools) {
    if (!tool.is_object())
      continue;
    auto name = tool.find("name");
    if (name == tool.end() || !name->is_string())
      continue;
    Entry e{name->get<std::string>(), {}, {}, {}};
    e.canonical = canonicalForms(tool, &e.former);
    e.hash = common::sha256Hex(e.canonical);
    if (e.former == e.canonical)
      e.former.clear();
    entries.push_back(std::move(e));
  }
  // Duplicate names are a server bug; ordering them by hash keeps the fingerprint independent
  // of the order the server sent them in.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.name != b.name ? a.name < b.name : a.hash < b.hash;
  });

  ToolsSummary summary;
  summary.count = entries.size();
  std::string all = "[", former = "[";
  bool formerDiffers = false;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i) {
      all += ',';
      former += ',';
    }
    all += entries[i].canonical;
    formerDiffers = formerDiffers || !entries[i].former.empty();
    former += entries[i].former.empty() ? entries[i].canonical : entries[i].former;
    summary.tools.push_back({entries[i].name, entries[i].hash});
  }
  all += ']';
  former += ']';
  summary.fingerprint = "sha256:" + common::sha256Hex(all);
  // Entries were sorted by their new hash; a duplicate name could order differently under the
  // former form, which only costs one announced drift for a server that repeats tool names.
  if (formerDiffers)
    summary.formerFingerprint = "sha256:" + common::sha256Hex(former);
  return summary;
}

} // namespace mcpwatch::prober
