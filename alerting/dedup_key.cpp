// Dedup keys for real and test alerts.
#include "alerting/dedup_key.hpp"

#include "common/strings.hpp"

namespace mcpwatch::alerting {

std::string liveDedupKey(std::string_view prefix, std::string_view slug, std::size_t maxChars) {
  return common::truncateUtf8(std::string(prefix) + "-" + std::string(slug), maxChars);
}

std::string testDedupKey(std::string_view prefix, std::string_view slug,
                         std::string_view incidentId, std::size_t maxChars) {
  constexpr std::string_view kTestIncident = "inc_test_";
  std::string_view id =
      incidentId.starts_with(kTestIncident) ? incidentId.substr(kTestIncident.size()) : incidentId;
  std::string clean;
  for (char c : id.substr(0, 64))
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
        c == '-')
      clean += c;
  if (clean.empty())
    clean = "unknown";
  const std::string suffix = ".test-" + clean;
  const std::size_t room = maxChars > suffix.size() ? maxChars - suffix.size() : 0;
  return liveDedupKey(prefix, slug, room) + suffix;
}

} // namespace mcpwatch::alerting
