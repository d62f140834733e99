// Cron expressions of maintenance windows: any text parses or fails with a message; a parsed
// expression's next/previous matches are consistent in UTC and in zones with DST quirks.
//
// Input: "EXPRESSION[\nZONE]" where ZONE is an IANA name from the system's zoneinfo (UTC when
// absent or unknown).
#include "common/cron.hpp"
#include "common/timezone.hpp"
#include "fuzz/fuzz_check.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace mcpwatch::common;
using namespace std::chrono;

namespace {

// Instants near DST changes and the edges of the representable range.
const system_clock::time_point kInstants[] = {
    system_clock::time_point{seconds(1774746000)},  // 2026-03-29T01:00:00Z, CET -> CEST
    system_clock::time_point{seconds(1792890000)},  // 2026-10-25T01:00:00Z, CEST -> CET
    system_clock::time_point{seconds(1767225599)},  // 2025-12-31T23:59:59Z
    system_clock::time_point{seconds(951782400)},   // 2000-02-29T00:00:00Z
    system_clock::time_point{seconds(-2208988800)}, // 1900-01-01T00:00:00Z
    system_clock::time_point{seconds(9214646400) - hours(24 * 365 * 10)}, // around 2252
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto nl = input.find('\n');
  std::string_view exprText = input.substr(0, nl);
  std::string_view zoneName = nl == std::string_view::npos ? "UTC" : input.substr(nl + 1);

  std::string error;
  auto expr = CronExpression::parse(exprText, &error);
  if (!expr) {
    FUZZ_CHECK(!error.empty());
    return 0;
  }
  FUZZ_CHECK(error.empty());
  auto zone = TimeZone::load(zoneName);
  if (!zone)
    zone = TimeZone::utc();

  for (auto at : kInstants) {
    auto next = expr->next(at, *zone);
    if (next) {
      FUZZ_CHECK(*next > at);
      // A match is its own latest match.
      auto same = expr->previous(*next, *zone);
      FUZZ_CHECK(same && *same == *next);
    }
    auto previous = expr->previous(at, *zone);
    if (previous) {
      FUZZ_CHECK(*previous <= at);
      FUZZ_CHECK(*previous >= at - hours(24 * 366) - hours(26));
      // The first match after the one before `at` is that one's successor, not before `at`'s.
      auto after = expr->next(*previous, *zone);
      FUZZ_CHECK(!after || *after > *previous);
    }
  }
  return 0;
}
