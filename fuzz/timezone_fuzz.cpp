// Time-zone data: TZif files (RFC 8536) and their POSIX TZ footer rules. Malformed data is
// refused; accepted data gives bounded offsets at every instant, and cron evaluation in such a
// zone terminates with consistent answers.
//
// Input: raw TZif bytes when it starts with "TZif"; otherwise a POSIX TZ string (for example
// "CET-1CEST,M3.5.0,M10.5.0/3"), which is wrapped in a minimal TZif v2 file as its footer.
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

void appendU32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(char((v >> shift) & 0xff));
}

// A v2 header with no transitions and one local type (UTC, abbreviation "UTC").
std::string header() {
  std::string h = "TZif2";
  h.append(15, '\0');
  for (std::uint32_t count : {0u, 0u, 0u, 0u, 1u, 4u}) // isut, isstd, leap, time, type, char
    appendU32(h, count);
  return h;
}

std::string wrapFooter(std::string_view rule) {
  std::string block = header();
  block.append("\0\0\0\0\0\0", 6); // one local type: offset 0, not DST, abbreviation index 0
  block.append("UTC\0", 4);
  std::string file = block + block; // the v1 block, then the v2 block (same, no transitions)
  file += '\n';
  file.append(rule);
  file += '\n';
  return file;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string file = input.starts_with("TZif") ? std::string(input) : wrapFooter(input);
  auto zone = TimeZone::fromTzif("Fuzz/Zone", file);
  if (!zone)
    return 0;
  FUZZ_CHECK(zone->name() == "Fuzz/Zone");

  // system_clock counts nanoseconds, so every instant lies within about +-292 years of 1970.
  for (std::int64_t s = -9'000'000'000; s <= 9'000'000'000; s += 123'456'789) {
    auto offset = zone->offsetAt(system_clock::time_point{seconds(s)});
    FUZZ_CHECK(offset >= -hours(26) && offset <= hours(26));
  }
  for (auto tp : {system_clock::time_point::min(), system_clock::time_point::max()}) {
    auto offset = zone->offsetAt(tp);
    FUZZ_CHECK(offset >= -hours(26) && offset <= hours(26));
  }

  // Cron's DST handling against the zone: the next match is after the start and is its own
  // latest match.
  static const auto kCron = *CronExpression::parse("30 2 * * *");
  for (std::int64_t s : {1774746000LL, 1792890000LL, 0LL, 4102444800LL}) {
    auto at = system_clock::time_point{seconds(s)};
    if (auto next = kCron.next(at, *zone)) {
      FUZZ_CHECK(*next > at);
      auto same = kCron.previous(*next, *zone);
      FUZZ_CHECK(same && *same == *next);
    }
    if (auto previous = kCron.previous(at, *zone))
      FUZZ_CHECK(*previous <= at);
  }
  return 0;
}
