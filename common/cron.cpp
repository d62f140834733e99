// Cron expression parsing and next/previous evaluation in local wall time across DST changes.
#include "common/cron.hpp"

#include "common/strings.hpp"
#include "common/time.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <vector>

namespace mcpwatch::common {
namespace {

using namespace std::chrono;

struct FieldSpec {
  const char* name;
  int min;
  int max;
};

constexpr std::array<FieldSpec, 5> kFields{{
    {"minute", 0, 59},
    {"hour", 0, 23},
    {"day-of-month", 1, 31},
    {"month", 1, 12},
    {"day-of-week", 0, 7}, // 7 is Sunday again
}};
constexpr std::size_t kMonthField = 3;
constexpr std::size_t kWeekdayField = 4;

constexpr std::array<const char*, 12> kMonthNames{"jan", "feb", "mar", "apr", "may", "jun",
                                                  "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<const char*, 7> kWeekdayNames{"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

// Every day-of-month/day-of-week pattern recurs within 28 years between 1901 and 2099 and the
// longest gap between leap days is 8 years; 50 years covers both with room, and a search that
// finds nothing in that span cannot match at all.
constexpr int kSearchYears = 50;
// Local offsets never differ from UTC by more than 26 hours.
constexpr std::int64_t kMaxOffsetSeconds = 26 * 3600;

constexpr std::int64_t kMinutesPerDay = 1440;

// Shortens user text quoted back in an error so a huge field cannot bloat the message.
std::string quoted(std::string_view s) {
  return "'" + truncateUtf8(s, 24) + "'";
}

class FieldParser {
public:
  FieldParser(std::size_t index, std::string* error)
      : spec_(kFields[index]), index_(index), error_(error) {}

  // Returns a bit set over spec.min..spec.max, or nullopt with the error set.
  std::optional<std::uint64_t> parse(std::string_view field) {
    std::uint64_t bits = 0;
    for (auto item : split(field, ',')) {
      if (item.empty())
        return fail("empty list item");
      auto b = parseItem(item);
      if (!b)
        return std::nullopt;
      bits |= *b;
    }
    return bits;
  }

private:
  FieldSpec spec_;
  std::size_t index_;
  std::string* error_;

  std::nullopt_t fail(const std::string& problem) {
    if (error_)
      *error_ = std::string(spec_.name) + " field: " + problem;
    return std::nullopt;
  }

  std::string rangeText() const {
    return std::to_string(spec_.min) + "-" + std::to_string(spec_.max);
  }

  std::optional<int> value(std::string_view text) {
    if (text.empty())
      return fail("missing value");
    if (text.find_first_not_of("0123456789") == std::string_view::npos) {
      if (text.size() > 6)
        return fail("value " + quoted(text) + " out of range " + rangeText());
      int v = 0;
      for (char c : text)
        v = v * 10 + (c - '0');
      if (v < spec_.min || v > spec_.max)
        return fail("value " + std::to_string(v) + " out of range " + rangeText());
      return v;
    }
    std::string lower = toLower(text);
    if (index_ == kMonthField) {
      for (std::size_t i = 0; i < kMonthNames.size(); ++i)
        if (lower == kMonthNames[i])
          return int(i) + 1;
    } else if (index_ == kWeekdayField) {
      for (std::size_t i = 0; i < kWeekdayNames.size(); ++i)
        if (lower == kWeekdayNames[i])
          return int(i);
    }
    return fail("invalid value " + quoted(text));
  }

  std::optional<std::uint64_t> parseItem(std::string_view item) {
    std::string_view rangePart = item;
    int step = 1;
    bool hasStep = false;
    if (auto slash = item.find('/'); slash != std::string_view::npos) {
      rangePart = item.substr(0, slash);
      std::string_view stepText = item.substr(slash + 1);
      int span = spec_.max - spec_.min + 1;
      if (stepText.empty() || stepText.find_first_not_of("0123456789") != std::string_view::npos)
        return fail("invalid step " + quoted(stepText));
      if (stepText.size() > 6)
        return fail("step " + quoted(stepText) + " out of range 1-" + std::to_string(span));
      step = 0;
      for (char c : stepText)
        step = step * 10 + (c - '0');
      if (step < 1 || step > span)
        return fail("step " + std::to_string(step) + " out of range 1-" + std::to_string(span));
      hasStep = true;
    }
    int lo, hi;
    if (rangePart == "*") {
      lo = spec_.min;
      // "*" over weekdays means 0-6: 7 would only repeat Sunday and shift "*/2".
      hi = index_ == kWeekdayField ? 6 : spec_.max;
    } else if (auto dash = rangePart.find('-'); dash != std::string_view::npos) {
      auto a = value(rangePart.substr(0, dash));
      if (!a)
        return std::nullopt;
      auto b = value(rangePart.substr(dash + 1));
      if (!b)
        return std::nullopt;
      lo = *a;
      hi = *b;
      // "fri-sun" names Sunday as 0; read it as 7 so the range runs to the end of the week.
      if (index_ == kWeekdayField && hi == 0 && lo > 0)
        hi = 7;
      if (lo > hi)
        return fail("range " + std::to_string(lo) + "-" + std::to_string(hi) + " is backwards");
    } else {
      auto a = value(rangePart);
      if (!a)
        return std::nullopt;
      lo = *a;
      // "5/15" means from 5 to the end of the field in steps of 15.
      hi = hasStep ? (index_ == kWeekdayField ? 6 : spec_.max) : lo;
      if (lo > hi)
        hi = lo;
    }
    std::uint64_t bits = 0;
    for (int v = lo; v <= hi; v += step)
      bits |= std::uint64_t(1) << (index_ == kWeekdayField && v == 7 ? 0 : v);
    return bits;
  }
};

struct Civil {
  std::int64_t days; // days since 1970-01-01 in local time
  int year;
  int month;
  int day;
  int weekday;
  int hour;
  int minute;
};

Civil civilFromMinutes(std::int64_t m) {
  Civil c{};
  c.days = floorDiv(m, kMinutesPerDay);
  std::int64_t mod = m - c.days * kMinutesPerDay;
  c.hour = int(mod / 60);
  c.minute = int(mod % 60);
  sys_days sd{std::chrono::days{c.days}};
  year_month_day ymd{sd};
  c.year = int(ymd.year());
  c.month = int(unsigned(ymd.month()));
  c.day = int(unsigned(ymd.day()));
  c.weekday = int(weekday{sd}.c_encoding());
  return c;
}

// system_clock::time_point counts nanoseconds, so only about +-292 years around 1970 exist.
constexpr std::int64_t kMaxRepresentableSeconds =
    duration_cast<seconds>(system_clock::duration::max()).count() - 1;
constexpr std::int64_t kMinRepresentableSeconds =
    duration_cast<seconds>(system_clock::duration::min()).count() + 1;

std::int64_t offsetSeconds(const TimeZone& tz, std::int64_t utcSeconds) {
  utcSeconds = std::clamp(utcSeconds, kMinRepresentableSeconds, kMaxRepresentableSeconds);
  return tz.offsetAt(system_clock::time_point{seconds(utcSeconds)}).count();
}

// The earliest UTC instant whose local wall time is `local` (seconds), or nullopt when that wall
// time falls in a gap. The true offset at the answer is one of the offsets in force within a day
// of it, so those are the only candidates worth checking.
std::optional<std::int64_t> firstInstantOf(const TimeZone& tz, std::int64_t local) {
  std::array<std::int64_t, 5> probes{local - kMaxOffsetSeconds, local - kMaxOffsetSeconds / 2,
                                     local, local + kMaxOffsetSeconds / 2,
                                     local + kMaxOffsetSeconds};
  // At most ten distinct offsets; a fixed array keeps this allocation-free.
  std::array<std::int64_t, 2 * probes.size()> offsets{};
  std::size_t count = 0;
  auto add = [&](std::int64_t off) {
    if (std::find(offsets.begin(), offsets.begin() + count, off) == offsets.begin() + count)
      offsets[count++] = off;
  };
  for (auto p : probes) {
    auto off = offsetSeconds(tz, p);
    add(off);
    add(offsetSeconds(tz, local - off));
  }
  std::optional<std::int64_t> best;
  for (std::size_t i = 0; i < count; ++i) {
    std::int64_t utc = local - offsets[i];
    if (offsetSeconds(tz, utc) == offsets[i] && (!best || utc < *best))
      best = utc;
  }
  return best;
}

std::optional<system_clock::time_point> toTimePoint(std::int64_t utcSeconds) {
  if (utcSeconds > kMaxRepresentableSeconds || utcSeconds < kMinRepresentableSeconds)
    return std::nullopt;
  return system_clock::time_point{seconds(utcSeconds)};
}

int lowestBitAtOrAbove(std::uint64_t bits, int from) {
  if (from >= 64)
    return -1;
  std::uint64_t masked = bits & (~std::uint64_t(0) << from);
  return masked ? std::countr_zero(masked) : -1;
}

int highestBitAtOrBelow(std::uint64_t bits, int from) {
  if (from < 0)
    return -1;
  std::uint64_t masked = from >= 63 ? bits : bits & ((std::uint64_t(1) << (from + 1)) - 1);
  return masked ? 63 - std::countl_zero(masked) : -1;
}

} // namespace

std::optional<CronExpression> CronExpression::parse(std::string_view text, std::string* error) {
  std::string_view trimmed = trim(text);
  std::string expanded;
  if (!trimmed.empty() && trimmed.front() == '@') {
    std::string macro = toLower(trimmed);
    if (macro == "@hourly")
      expanded = "0 * * * *";
    else if (macro == "@daily" || macro == "@midnight")
      expanded = "0 0 * * *";
    else if (macro == "@weekly")
      expanded = "0 0 * * 0";
    else if (macro == "@monthly")
      expanded = "0 0 1 * *";
    else if (macro == "@yearly" || macro == "@annually")
      expanded = "0 0 1 1 *";
    else {
      if (error)
        *error = "unknown macro " + quoted(trimmed);
      return std::nullopt;
    }
  } else {
    expanded = std::string(trimmed);
  }

  std::vector<std::string_view> fields;
  std::string_view rest = expanded;
  while (!rest.empty()) {
    auto begin = rest.find_first_not_of(" \t");
    if (begin == std::string_view::npos)
      break;
    rest.remove_prefix(begin);
    auto end = rest.find_first_of(" \t");
    fields.push_back(rest.substr(0, end));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  }
  if (fields.size() != kFields.size()) {
    if (error)
      *error = "expected 5 fields, got " + std::to_string(fields.size());
    return std::nullopt;
  }

  std::array<std::uint64_t, 5> bits{};
  for (std::size_t i = 0; i < fields.size(); ++i) {
    auto b = FieldParser(i, error).parse(fields[i]);
    if (!b)
      return std::nullopt;
    bits[i] = *b;
  }

  CronExpression expr;
  expr.text_ = std::string(trimmed);
  expr.minutes_ = bits[0];
  expr.hours_ = unsigned(bits[1]);
  expr.days_ = unsigned(bits[2]);
  expr.months_ = unsigned(bits[3]);
  expr.weekdays_ = unsigned(bits[4]);
  // As in Vixie cron, a field starting with "*" (including "*/2") counts as unrestricted, so
  // "0 0 */2 * 1" means odd days that are Mondays while "0 0 1 * 1" means the 1st or Mondays.
  expr.dayOfMonthRestricted_ = fields[2].front() != '*';
  expr.dayOfWeekRestricted_ = fields[4].front() != '*';
  return expr;
}

bool CronExpression::matchesLocal(int month, int day, int weekday, int hour, int minute) const {
  if (!(months_ >> month & 1u) || !(hours_ >> hour & 1u) || !(minutes_ >> minute & 1u))
    return false;
  bool dom = days_ >> day & 1u;
  bool dow = weekdays_ >> weekday & 1u;
  if (dayOfMonthRestricted_ && dayOfWeekRestricted_)
    return dom || dow;
  return dom && dow;
}

std::optional<system_clock::time_point> CronExpression::next(system_clock::time_point after,
                                                             const TimeZone& tz) const {
  std::int64_t afterSec = floor<seconds>(after.time_since_epoch()).count();
  std::int64_t localSec = afterSec + tz.offsetAt(after).count();
  // Walking forward in wall time from the local time of `after` sees every candidate: the first
  // occurrence of a wall time only grows with the wall time, so earlier ones are already past.
  std::int64_t m = floorDiv(localSec, 60) + 1;
  int lastYear = civilFromMinutes(m).year + kSearchYears;
  while (true) {
    if (m * 60 - kMaxOffsetSeconds > kMaxRepresentableSeconds)
      return std::nullopt;
    Civil c = civilFromMinutes(m);
    if (c.year > lastYear)
      return std::nullopt;
    if (!(months_ >> c.month & 1u)) {
      int ny = c.month == 12 ? c.year + 1 : c.year;
      int nm = c.month == 12 ? 1 : c.month + 1;
      m = daysFromCivil(ny, unsigned(nm), 1) * kMinutesPerDay;
      continue;
    }
    // Month is known to match; asking with the first matching hour and minute checks the day.
    if (!matchesLocal(c.month, c.day, c.weekday, std::countr_zero(hours_),
                      std::countr_zero(minutes_))) {
      m = (c.days + 1) * kMinutesPerDay;
      continue;
    }
    int hour = lowestBitAtOrAbove(hours_, c.hour);
    if (hour < 0) {
      m = (c.days + 1) * kMinutesPerDay;
      continue;
    }
    if (hour != c.hour) {
      m = c.days * kMinutesPerDay + hour * 60;
      continue;
    }
    int minute = lowestBitAtOrAbove(minutes_, c.minute);
    if (minute < 0) {
      m = c.days * kMinutesPerDay + (c.hour + 1) * 60;
      continue;
    }
    if (minute != c.minute) {
      m = c.days * kMinutesPerDay + c.hour * 60 + minute;
      continue;
    }
    auto utc = firstInstantOf(tz, m * 60);
    if (utc && *utc > afterSec)
      return toTimePoint(*utc);
    ++m;
  }
}

std::optional<system_clock::time_point>
CronExpression::previous(system_clock::time_point at, const TimeZone& tz,
                         std::chrono::minutes horizon) const {
  std::int64_t atSec = floor<seconds>(at.time_since_epoch()).count();
  // Clamped before converting so minutes::max() cannot overflow; the year bound below is the
  // real limit for long horizons.
  std::int64_t horizonMinutes =
      std::clamp<std::int64_t>(horizon.count(), 0, std::int64_t(kSearchYears + 1) * 366 * 1440);
  std::int64_t horizonSec = horizonMinutes * 60;
  std::int64_t lowest = atSec - horizonSec;
  // After a fall-back the wall clock of `at` is behind wall times that already happened, so the
  // walk starts from the largest wall time seen in the last day; overshooting is harmless
  // because every candidate is checked against `at`.
  std::int64_t maxOffset = tz.offsetAt(at).count();
  for (std::int64_t back = 900; back <= kMaxOffsetSeconds; back += 900)
    maxOffset = std::max(maxOffset, offsetSeconds(tz, atSec - back));
  std::int64_t m = floorDiv(atSec + maxOffset, 60);
  std::int64_t stopMinute = floorDiv(lowest - kMaxOffsetSeconds, 60);
  int firstYear = civilFromMinutes(m).year - kSearchYears;
  while (true) {
    if (m < stopMinute || m * 60 + kMaxOffsetSeconds < kMinRepresentableSeconds)
      return std::nullopt;
    Civil c = civilFromMinutes(m);
    if (c.year < firstYear)
      return std::nullopt;
    if (!(months_ >> c.month & 1u)) {
      m = daysFromCivil(c.year, unsigned(c.month), 1) * kMinutesPerDay - 1;
      continue;
    }
    if (!matchesLocal(c.month, c.day, c.weekday, std::countr_zero(hours_),
                      std::countr_zero(minutes_))) {
      m = c.days * kMinutesPerDay - 1;
      continue;
    }
    int hour = highestBitAtOrBelow(hours_, c.hour);
    if (hour < 0) {
      m = c.days * kMinutesPerDay - 1;
      continue;
    }
    if (hour != c.hour) {
      m = c.days * kMinutesPerDay + hour * 60 + 59;
      continue;
    }
    int minute = highestBitAtOrBelow(minutes_, c.minute);
    if (minute < 0) {
      m = c.days * kMinutesPerDay + c.hour * 60 - 1;
      continue;
    }
    if (minute != c.minute) {
      m = c.days * kMinutesPerDay + c.hour * 60 + minute;
      continue;
    }
    auto utc = firstInstantOf(tz, m * 60);
    if (utc && *utc <= atSec) {
      if (*utc < lowest)
        return std::nullopt;
      return toTimePoint(*utc);
    }
    --m;
  }
}

} // namespace mcpwatch::common
