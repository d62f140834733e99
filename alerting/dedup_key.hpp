// The keys receivers deduplicate alerts on (PagerDuty dedup_key, OpsGenie alias), for real
// alerts and for `test-alert`, in one place so no sink can mix the two up.
#pragma once

#include "common/json.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace mcpwatch::alerting {

// A real alert's key: "{prefix}-{slug}", cut to `maxChars` bytes (a plain cut: the trigger and
// its resolve must compute the same key).
std::string liveDedupKey(std::string_view prefix, std::string_view slug, std::size_t maxChars);

// A test alert's key: "{prefix}-{slug}.test-{id}", where {id} is the test run's random id, taken
// from the event's incident id ("inc_test_<id>"), so a test trigger and its resolve share it and
// every run has its own. Slugs are [a-z0-9-], so no live key of any server can contain the ".":
// a test alert can neither count onto nor resolve a real incident, whatever the server is
// called. The live part is cut first so the suffix always survives `maxChars`.
std::string testDedupKey(std::string_view prefix, std::string_view slug,
                         std::string_view incidentId, std::size_t maxChars);

} // namespace mcpwatch::alerting
