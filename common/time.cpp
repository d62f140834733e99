// RFC 3339 formatting and parsing without locale or TZ dependence.
#include "common/time.hpp"

#include <cstdio>
#include <limits>

namespace mcpwatch::common {
namespace {

using namespace std::chrono;

std::string formatImpl(system_clock::time_point t, bool millis) {
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  auto secs = ms / 1000;
  auto frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    secs -= 1;
  }
  auto days = sys_days{} + std::chrono::days(secs >= 0 ? secs / 86400 : (secs - 86399) / 86400);
  auto rem = secs - duration_cast<seconds>(days.time_since_epoch()).count();
  year_month_day ymd{floor<std::chrono::days>(days)};
  char buf[40];
  if (millis)
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", int(ymd.year()),
                  unsigned(ymd.month()), unsigned(ymd.day()), int(rem / 3600), int(rem / 60 % 60),
                  int(rem % 60), int(frac));
  else
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", int(ymd.year()),
                  unsigned(ymd.month()), unsigned(ymd.day()), int(rem / 3600), int(rem / 60 % 60),
                  int(rem % 60));
  return buf;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size())
    return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

} // namespace

std::string supportedDateRange() {
  return "dates from " + std::to_string(kMinSupportedYear) + "-01-01 to " +
         std::to_string(kMaxSupportedYear) + "-12-31";
}

std::string formatRfc3339(system_clock::time_point t) {
  return formatImpl(t, false);
}
std::string formatRfc3339Millis(system_clock::time_point t) {
  return formatImpl(t, true);
}

std::optional<system_clock::time_point> parseRfc3339(std::string_view s, std::string* error) {
  if (error)
    error->clear();
  int y, mo, d, h, mi, se;
  if (!digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, h) ||
      s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se))
    return std::nullopt;
  year_month_day ymd{year{y}, month{unsigned(mo)}, day{unsigned(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || se > 60)
    return std::nullopt;
  // Checked before any arithmetic: converting a date far outside this range to system_clock's
  // nanoseconds overflows.
  if (y < kMinSupportedYear || y > kMaxSupportedYear) {
    if (error)
      *error = "year " + std::to_string(y) +
               " is out of range (supported: " + supportedDateRange() + ")";
    return std::nullopt;
  }
  std::size_t pos = 19;
  milliseconds frac{0};
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int scale = 100;
    std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac += milliseconds((s[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == start)
      return std::nullopt;
  }
  seconds offset{0};
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om) || oh > 23 || om > 59)
      return std::nullopt;
    offset = hours(oh) + minutes(om);
    if (s[pos] == '-')
      offset = -offset;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size())
    return std::nullopt;
  auto tp = sys_days{ymd} + hours(h) + minutes(mi) + seconds(se) + frac - offset;
  return time_point_cast<system_clock::duration>(tp);
}

system_clock::time_point addSaturating(system_clock::time_point t, milliseconds d) {
  using Rep = system_clock::duration::rep;
  constexpr Rep kMax = std::numeric_limits<Rep>::max();
  constexpr Rep kMin = std::numeric_limits<Rep>::min();
  constexpr Rep kPerMs = duration_cast<system_clock::duration>(milliseconds(1)).count();
  const Rep base = t.time_since_epoch().count();
  if (d.count() > kMax / kPerMs)
    return system_clock::time_point::max();
  if (d.count() < kMin / kPerMs)
    return system_clock::time_point::min();
  const Rep delta = d.count() * kPerMs;
  if (delta > 0 && base > kMax - delta)
    return system_clock::time_point::max();
  if (delta < 0 && base < kMin - delta)
    return system_clock::time_point::min();
  return system_clock::time_point(system_clock::duration(base + delta));
}

} // namespace mcpwatch::common
