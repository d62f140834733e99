// Findings that are known and being fixed on another branch. The targets skip inputs that reach
// them, so a run keeps looking for new problems instead of stopping at the known one every time.
// Delete each filter (and its uses) once its fix is merged.
#pragma once

#include <string_view>

namespace mcpwatch::fuzz {

// common/time.cpp: parseRfc3339 overflows a signed 64-bit count (undefined behaviour) for years
// outside 1678-2261, the range of the nanosecond system_clock. True when `text` contains a
// "YYYY-MM-DD" date with such a year anywhere (the config loader reads dates in maintenance
// windows).
inline bool hasOutOfRangeRfc3339Year(std::string_view text) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  for (std::size_t i = 0; i + 10 <= text.size(); ++i) {
    std::string_view d = text.substr(i, 10);
    if (!digit(d[0]) || !digit(d[1]) || !digit(d[2]) || !digit(d[3]) || d[4] != '-' ||
        !digit(d[5]) || !digit(d[6]) || d[7] != '-' || !digit(d[8]) || !digit(d[9]))
      continue;
    int year = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
    if (year < 1678 || year > 2261)
      return true;
  }
  return false;
}

} // namespace mcpwatch::fuzz
