// Parsing and printing of config durations.
#include "common/duration.hpp"

#include <cstdint>
#include <limits>

namespace mcpwatch::common {

std::optional<std::chrono::milliseconds> parseDuration(std::string_view text,
                                                       DurationProblem* problem) {
  auto fail = [&](DurationProblem p) -> std::optional<std::chrono::milliseconds> {
    if (problem)
      *problem = p;
    return std::nullopt;
  };
  if (text.empty())
    return fail(DurationProblem::Invalid);
  const std::int64_t max = kMaxDuration.count();
  std::int64_t total = 0;
  bool tooLarge = false; // keep reading: a syntax error later on wins
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9')
      return fail(DurationProblem::Invalid);
    std::int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (n > max) // already too large for any unit; stop growing so n cannot overflow
        tooLarge = true;
      else
        n = n * 10 + (text[i] - '0');
      ++i;
    }
    std::size_t unitStart = i;
    while (i < text.size() && text[i] >= 'a' && text[i] <= 'z')
      ++i;
    std::string_view unit = text.substr(unitStart, i - unitStart);
    std::int64_t factor = 0;
    if (unit == "ms")
      factor = 1;
    else if (unit == "s")
      factor = 1000;
    else if (unit == "m")
      factor = 60'000;
    else if (unit == "h")
      factor = 3'600'000;
    else if (unit == "d")
      factor = 86'400'000;
    else
      return fail(DurationProblem::Invalid);
    // total <= max and n <= max * 10 + 9, so neither the quotient nor the sum can overflow.
    if (tooLarge || n > (max - total) / factor)
      tooLarge = true;
    else
      total += n * factor;
  }
  if (tooLarge)
    return fail(DurationProblem::TooLarge);
  return std::chrono::milliseconds(total);
}

std::string formatDuration(std::chrono::milliseconds d) {
  std::int64_t ms = d.count();
  if (ms == 0)
    return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  struct Unit {
    std::int64_t size;
    const char* name;
  };
  static constexpr Unit kUnits[] = {
      {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}};
  for (const auto& u : kUnits) {
    if (ms >= u.size) {
      out += std::to_string(ms / u.size);
      out += u.name;
      ms %= u.size;
    }
  }
  return out;
}

} // namespace mcpwatch::common
