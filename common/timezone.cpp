// TZif (RFC 8536) reader and POSIX TZ rule evaluator behind common::TimeZone.
#include "common/timezone.hpp"

#include "common/time.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mcpwatch::common {
namespace {

using namespace std::chrono;

// Real TZif files are well under 100 KB; the cap keeps a hostile file from exhausting memory.
constexpr std::size_t kMaxFileBytes = 1 << 20;
constexpr std::size_t kMaxNameLength = 255;
// RFC 8536 recommends UT offsets within [-25:59:59, +25:59:59]; anything outside is garbage.
constexpr std::int64_t kMaxUtOffset = 93599;
constexpr std::int64_t kMinUtOffset = -89999;
// POSIX transition times may run from -167 to +167 hours (RFC 8536 section 3.3.1).
constexpr int kMaxRuleHours = 167;
constexpr int kMaxOffsetHours = 24;

bool isLeap(int y) {
  return year{y}.is_leap();
}

class FixedZone final : public TimeZone {
public:
  FixedZone(std::string name, seconds offset) : name_(std::move(name)), offset_(offset) {}
  const std::string& name() const override { return name_; }
  seconds offsetAt(system_clock::time_point) const override { return offset_; }

private:
  std::string name_;
  seconds offset_;
};

// One side of a POSIX DST rule: a date form plus a local time of day.
struct RuleDate {
  enum class Kind { Julian1, Julian0, MonthWeekDay };
  Kind kind = Kind::MonthWeekDay;
  int day = 0; // Jn: 1-365, n: 0-365
  int monthOfYear = 0, week = 0, dayOfWeek = 0;
  std::int64_t timeOfDay = 7200; // seconds; POSIX default 02:00

  // Days since the epoch of the rule's date in year `y`.
  std::int64_t dayInYear(int y) const {
    std::int64_t jan1 = daysFromCivil(y, 1, 1);
    switch (kind) {
    case Kind::Julian1:
      // Jn never counts February 29, so day 60 is always March 1.
      return jan1 + day - 1 + ((isLeap(y) && day >= 60) ? 1 : 0);
    case Kind::Julian0:
      return jan1 + day;
    case Kind::MonthWeekDay:
      break;
    }
    std::int64_t first = daysFromCivil(y, unsigned(monthOfYear), 1);
    unsigned firstWeekday = std::chrono::weekday{sys_days{std::chrono::days{first}}}.c_encoding();
    std::int64_t d = first + (dayOfWeek - int(firstWeekday) + 7) % 7 + 7 * (week - 1);
    auto ymd = year{y} / month{unsigned(monthOfYear)} / std::chrono::last;
    std::int64_t lastDay = sys_days{ymd}.time_since_epoch().count();
    while (d > lastDay)
      d -= 7;
    return d;
  }
};

// A POSIX TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3"; offsets stored east-positive.
struct PosixRule {
  std::int64_t stdOffset = 0;
  bool hasDst = false;
  std::int64_t dstOffset = 0;
  RuleDate start, end;

  std::int64_t offsetAt(std::int64_t t) const {
    if (!hasDst)
      return stdOffset;
    // Rules are evaluated for the neighbouring years too, so transitions pushed across a year
    // boundary by hours beyond 24 or below 0 (e.g. "J365/25") are still found.
    int y = int(year_month_day{sys_days{std::chrono::days{floorDiv(t + stdOffset, 86400)}}}.year());
    struct Edge {
      std::int64_t at;
      int order; // end before start at the same instant so all-year DST stays DST
      bool dst;
    };
    std::array<Edge, 6> edges;
    std::size_t n = 0;
    for (int yy = y - 1; yy <= y + 1; ++yy) {
      edges[n++] = {start.dayInYear(yy) * 86400 + start.timeOfDay - stdOffset, 1, true};
      edges[n++] = {end.dayInYear(yy) * 86400 + end.timeOfDay - dstOffset, 0, false};
    }
    std::sort(edges.begin(), edges.end(), [](const Edge& a, const Edge& b) {
      return a.at != b.at ? a.at < b.at : a.order < b.order;
    });
    bool dst = false;
    for (const auto& e : edges) {
      if (e.at > t)
        break;
      dst = e.dst;
    }
    return dst ? dstOffset : stdOffset;
  }
};

class PosixParser {
public:
  explicit PosixParser(std::string_view s) : s_(s) {}

  std::optional<PosixRule> parse() {
    PosixRule rule;
    if (!abbreviation())
      return std::nullopt;
    auto stdOff = offset(kMaxOffsetHours);
    if (!stdOff)
      return std::nullopt;
    rule.stdOffset = -*stdOff;
    if (atEnd())
      return rule;
    if (!abbreviation())
      return std::nullopt;
    rule.hasDst = true;
    rule.dstOffset = rule.stdOffset + 3600;
    if (!atEnd() && peek() != ',') {
      auto dstOff = offset(kMaxOffsetHours);
      if (!dstOff)
        return std::nullopt;
      rule.dstOffset = -*dstOff;
    }
    if (atEnd()) {
      // POSIX leaves the default rule to the implementation; glibc and tzcode use US rules.
      rule.start = {RuleDate::Kind::MonthWeekDay, 0, 3, 2, 0, 7200};
      rule.end = {RuleDate::Kind::MonthWeekDay, 0, 11, 1, 0, 7200};
      return rule;
    }
    if (!consume(',') || !date(rule.start) || !consume(',') || !date(rule.end) || !atEnd())
      return std::nullopt;
    return rule;
  }

private:
  std::string_view s_;
  std::size_t pos_ = 0;

  bool atEnd() const { return pos_ >= s_.size(); }
  char peek() const { return atEnd() ? '\0' : s_[pos_]; }
  bool consume(char c) {
    if (peek() != c)
      return false;
    ++pos_;
    return true;
  }
  static bool isAlpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
  static bool isDigit(char c) { return c >= '0' && c <= '9'; }

  bool abbreviation() {
    std::size_t begin = pos_;
    if (consume('<')) {
      while (!atEnd() && (isAlpha(peek()) || isDigit(peek()) || peek() == '+' || peek() == '-'))
        ++pos_;
      std::size_t len = pos_ - begin - 1;
      return consume('>') && len >= 3;
    }
    while (!atEnd() && isAlpha(peek()))
      ++pos_;
    return pos_ - begin >= 3;
  }

  std::optional<int> number(int maxValue) {
    std::size_t begin = pos_;
    int v = 0;
    while (!atEnd() && isDigit(peek()) && pos_ - begin < 4) {
      v = v * 10 + (peek() - '0');
      ++pos_;
    }
    if (pos_ == begin || v > maxValue || (!atEnd() && isDigit(peek())))
      return std::nullopt;
    return v;
  }

  // [+|-]hh[:mm[:ss]] in seconds, sign as written.
  std::optional<std::int64_t> offset(int maxHours) {
    int sign = 1;
    if (consume('-'))
      sign = -1;
    else
      consume('+');
    auto h = number(maxHours);
    if (!h)
      return std::nullopt;
    std::int64_t total = std::int64_t(*h) * 3600;
    if (consume(':')) {
      auto m = number(59);
      if (!m)
        return std::nullopt;
      total += *m * 60;
      if (consume(':')) {
        auto sec = number(59);
        if (!sec)
          return std::nullopt;
        total += *sec;
      }
    }
    return sign * total;
  }

  bool date(RuleDate& out) {
    if (consume('J')) {
      auto d = number(365);
      if (!d || *d < 1)
        return false;
      out.kind = RuleDate::Kind::Julian1;
      out.day = *d;
    } else if (consume('M')) {
      auto m = number(12);
      if (!m || *m < 1 || !consume('.'))
        return false;
      auto w = number(5);
      if (!w || *w < 1 || !consume('.'))
        return false;
      auto d = number(6);
      if (!d)
        return false;
      out.kind = RuleDate::Kind::MonthWeekDay;
      out.monthOfYear = *m;
      out.week = *w;
      out.dayOfWeek = *d;
    } else {
      auto d = number(365);
      if (!d)
        return false;
      out.kind = RuleDate::Kind::Julian0;
      out.day = *d;
    }
    out.timeOfDay = 7200;
    if (consume('/')) {
      auto t = offset(kMaxRuleHours);
      if (!t)
        return false;
      out.timeOfDay = *t;
    }
    return true;
  }
};

struct LocalType {
  std::int64_t utOffset;
  bool isDst;
};

class TzifZone final : public TimeZone {
public:
  TzifZone(std::string name, std::vector<std::int64_t> transitions, std::vector<std::uint8_t> idx,
           std::vector<LocalType> types, std::optional<PosixRule> footer)
      : name_(std::move(name)), transitions_(std::move(transitions)),
        transitionTypes_(std::move(idx)), types_(std::move(types)), footer_(std::move(footer)) {
    // RFC 8536: before the first transition the first standard-time type applies.
    initialOffset_ = types_.front().utOffset;
    for (const auto& t : types_) {
      if (!t.isDst) {
        initialOffset_ = t.utOffset;
        break;
      }
    }
  }

  const std::string& name() const override { return name_; }

  seconds offsetAt(system_clock::time_point tp) const override {
    std::int64_t t = floor<seconds>(tp.time_since_epoch()).count();
    if (transitions_.empty())
      return seconds(footer_ ? footer_->offsetAt(t) : initialOffset_);
    if (t < transitions_.front())
      return seconds(initialOffset_);
    if (footer_ && t > transitions_.back())
      return seconds(footer_->offsetAt(t));
    auto it = std::upper_bound(transitions_.begin(), transitions_.end(), t);
    std::size_t i = std::size_t(it - transitions_.begin()) - 1;
    return seconds(types_[transitionTypes_[i]].utOffset);
  }

private:
  std::string name_;
  std::vector<std::int64_t> transitions_;
  std::vector<std::uint8_t> transitionTypes_;
  std::vector<LocalType> types_;
  std::optional<PosixRule> footer_;
  std::int64_t initialOffset_ = 0;
};

class ByteReader {
public:
  explicit ByteReader(std::string_view data) : data_(data) {}
  bool has(std::uint64_t n) const { return n <= data_.size() - pos_; }
  std::size_t pos() const { return pos_; }
  void skip(std::size_t n) { pos_ += n; }
  std::string_view take(std::size_t n) {
    auto out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  std::uint8_t u8() { return std::uint8_t(data_[pos_++]); }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
      v = (v << 8) | std::uint8_t(data_[pos_++]);
    return v;
  }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
      v = (v << 8) | std::uint8_t(data_[pos_++]);
    return v;
  }
  std::string_view rest() const { return data_.substr(pos_); }

private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

struct Header {
  char version = 0;
  std::uint32_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;

  std::uint64_t blockSize(std::uint64_t timeSize) const {
    return std::uint64_t(timecnt) * timeSize + timecnt + std::uint64_t(typecnt) * 6 + charcnt +
           std::uint64_t(leapcnt) * (timeSize + 4) + isstdcnt + isutcnt;
  }
};

std::optional<Header> readHeader(ByteReader& r) {
  if (!r.has(44) || r.take(4) != "TZif")
    return std::nullopt;
  Header h;
  h.version = char(r.u8());
  if (h.version != '\0' && h.version < '2')
    return std::nullopt;
  r.skip(15);
  h.isutcnt = r.u32();
  h.isstdcnt = r.u32();
  h.leapcnt = r.u32();
  h.timecnt = r.u32();
  h.typecnt = r.u32();
  h.charcnt = r.u32();
  // Counts RFC 8536 requires to be consistent; the type index is one byte so at most 256 types.
  if (h.typecnt == 0 || h.typecnt > 256 || h.charcnt == 0 ||
      (h.isutcnt != 0 && h.isutcnt != h.typecnt) || (h.isstdcnt != 0 && h.isstdcnt != h.typecnt))
    return std::nullopt;
  return h;
}

struct ParsedZone {
  std::vector<std::int64_t> transitions;
  std::vector<std::uint8_t> types;
  std::vector<LocalType> localTypes;
  std::optional<PosixRule> footer;
};

std::optional<ParsedZone> parseTzif(std::string_view data) {
  ByteReader r(data);
  auto h = readHeader(r);
  if (!h)
    return std::nullopt;
  std::uint64_t timeSize = 4;
  if (h->version != '\0') {
    // Version 2+ repeats the data with 64-bit times after the 32-bit block; only that one is
    // read so dates past 2038 work.
    std::uint64_t v1 = h->blockSize(4);
    if (!r.has(v1))
      return std::nullopt;
    r.skip(std::size_t(v1));
    h = readHeader(r);
    if (!h)
      return std::nullopt;
    timeSize = 8;
  }
  if (!r.has(h->blockSize(timeSize)))
    return std::nullopt;

  ParsedZone z;
  z.transitions.reserve(h->timecnt);
  for (std::uint32_t i = 0; i < h->timecnt; ++i) {
    std::int64_t t = timeSize == 8 ? std::int64_t(r.u64()) : std::int64_t(std::int32_t(r.u32()));
    if (!z.transitions.empty() && t <= z.transitions.back())
      return std::nullopt;
    z.transitions.push_back(t);
  }
  z.types.reserve(h->timecnt);
  for (std::uint32_t i = 0; i < h->timecnt; ++i) {
    std::uint8_t idx = r.u8();
    if (idx >= h->typecnt)
      return std::nullopt;
    z.types.push_back(idx);
  }
  for (std::uint32_t i = 0; i < h->typecnt; ++i) {
    std::int64_t off = std::int32_t(r.u32());
    std::uint8_t dst = r.u8();
    std::uint8_t desig = r.u8();
    if (off < kMinUtOffset || off > kMaxUtOffset || dst > 1 || desig >= h->charcnt)
      return std::nullopt;
    z.localTypes.push_back({off, dst == 1});
  }
  // Abbreviations, leap seconds and the standard/UT indicators do not affect UT offsets. Leap
  // second records (only in "right/" zones) are ignored: offsets stay in POSIX time.
  r.skip(std::size_t(h->charcnt + std::uint64_t(h->leapcnt) * (timeSize + 4) + h->isstdcnt +
                     h->isutcnt));

  if (h->version != '\0') {
    std::string_view rest = r.rest();
    if (rest.empty() || rest.front() != '\n')
      return std::nullopt;
    auto close = rest.find('\n', 1);
    if (close == std::string_view::npos)
      return std::nullopt;
    std::string_view tz = rest.substr(1, close - 1);
    if (!tz.empty()) {
      z.footer = PosixParser(tz).parse();
      if (!z.footer)
        return std::nullopt;
    }
  }
  return z;
}

bool validName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength || name.front() == '/' ||
      name.find("..") != std::string_view::npos)
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
           c == '_' || c == '+' || c == '-';
  });
}

std::optional<std::string> readFile(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec) || ec)
    return std::nullopt;
  auto size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxFileBytes)
    return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::string data(std::size_t(size), '\0');
  in.read(data.data(), std::streamsize(size));
  if (std::size_t(in.gcount()) != size)
    return std::nullopt;
  return data;
}

} // namespace

std::shared_ptr<const TimeZone> TimeZone::utc() {
  static const auto zone = std::make_shared<const FixedZone>("UTC", seconds(0));
  return zone;
}

std::shared_ptr<const TimeZone> TimeZone::fromTzif(std::string_view name, std::string_view data) {
  auto parsed = parseTzif(data);
  if (!parsed)
    return nullptr;
  return std::make_shared<const TzifZone>(std::string(name), std::move(parsed->transitions),
                                          std::move(parsed->types), std::move(parsed->localTypes),
                                          std::move(parsed->footer));
}

std::shared_ptr<const TimeZone> TimeZone::load(std::string_view name,
                                               std::string_view zoneinfoDir) {
  if (name == "UTC")
    return utc();
  if (name == "Etc/UTC" || name == "GMT") {
    static const auto etcUtc = std::make_shared<const FixedZone>("Etc/UTC", seconds(0));
    static const auto gmt = std::make_shared<const FixedZone>("GMT", seconds(0));
    return name == "GMT" ? gmt : etcUtc;
  }
  if (!validName(name))
    return nullptr;

  // Zones are immutable once parsed; the cache makes repeated config checks and detector lookups
  // cheap. Failures are not cached so a zone installed later is found.
  static std::mutex mutex;
  static std::unordered_map<std::string, std::shared_ptr<const TimeZone>> cache;
  std::string key(zoneinfoDir);
  key.push_back('\0');
  key.append(name);
  {
    std::lock_guard lock(mutex);
    if (auto it = cache.find(key); it != cache.end())
      return it->second;
  }

  std::filesystem::path path(zoneinfoDir);
  path /= std::string(name);
  auto data = readFile(path);
  if (!data)
    return nullptr;
  auto zone = fromTzif(name, *data);
  if (!zone)
    return nullptr;

  std::lock_guard lock(mutex);
  auto [it, inserted] = cache.emplace(std::move(key), zone);
  return it->second;
}

} // namespace mcpwatch::common
