// Schema drift: policy names and tool-level diffs.
#include "detector/drift.hpp"

#include "common/strings.hpp"

#include <fmt/format.h>

namespace mcpwatch::detector {
namespace {

constexpr std::size_t kNamesShown = 5;
constexpr std::size_t kMaxNameBytes = 64;

std::string part(std::size_t count, std::string_view what, const std::vector<std::string>& names) {
  std::string out = fmt::format("{} {}", count, what);
  out += " (";
  for (std::size_t i = 0; i < names.size() && i < kNamesShown; ++i) {
    if (i > 0)
      out += ", ";
    // Tool names come from the probed server: cap each so a hostile name cannot bloat events.
    out += names[i].size() > kMaxNameBytes ? common::truncateUtf8(names[i], kMaxNameBytes) + "..."
                                           : names[i];
  }
  if (names.size() > kNamesShown)
    out += fmt::format(", +{} more", names.size() - kNamesShown);
  out += ")";
  return out;
}

} // namespace

std::string_view toString(DriftPolicy policy) {
  switch (policy) {
  case DriftPolicy::Warn:
    return "warn";
  case DriftPolicy::Fail:
    return "fail";
  case DriftPolicy::Ignore:
    return "ignore";
  }
  return "warn";
}

std::optional<DriftPolicy> parseDriftPolicy(std::string_view text) {
  for (auto policy : {DriftPolicy::Warn, DriftPolicy::Fail, DriftPolicy::Ignore})
    if (toString(policy) == text)
      return policy;
  return std::nullopt;
}

ToolsDiff diffTools(const ToolsSnapshot& from, const ToolsSnapshot& to) {
  ToolsDiff diff;
  for (const auto& [name, hash] : to.tools) {
    auto old = from.tools.find(name);
    if (old == from.tools.end())
      diff.added.push_back(name);
    else if (old->second != hash)
      diff.changed.push_back(name);
  }
  for (const auto& [name, hash] : from.tools)
    if (!to.tools.contains(name))
      diff.removed.push_back(name);
  return diff;
}

std::string describeDiff(const ToolsDiff& diff) {
  if (diff.empty())
    return "tool list changed (no per-tool difference)";
  std::vector<std::string> parts;
  if (!diff.added.empty())
    parts.push_back(part(diff.added.size(), "added", diff.added));
  if (!diff.removed.empty())
    parts.push_back(part(diff.removed.size(), "removed", diff.removed));
  if (!diff.changed.empty())
    parts.push_back(part(diff.changed.size(), "changed", diff.changed));
  std::string out = "tools ";
  for (std::size_t i = 0; i < parts.size(); ++i)
    out += (i > 0 ? ", " : "") + parts[i];
  return out;
}

} // namespace mcpwatch::detector
