// Unit tests for TimeZone: system TZif zones, hand-built TZif files, POSIX footers, bad input.
#include "common/time.hpp"
#include "common/timezone.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <random>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace mcpwatch::common;
using namespace std::chrono_literals;

namespace {

constexpr const char* kZoneinfo = "/usr/share/zoneinfo";

std::chrono::system_clock::time_point at(const char* rfc3339) {
  auto t = parseRfc3339(rfc3339);
  EXPECT_TRUE(t.has_value()) << rfc3339;
  return t.value_or(std::chrono::system_clock::time_point{});
}

long offsetOf(const TimeZone& tz, const char* rfc3339) {
  return long(tz.offsetAt(at(rfc3339)).count());
}

std::shared_ptr<const TimeZone> systemZone(const char* name) {
  auto tz = TimeZone::load(name, kZoneinfo);
  EXPECT_NE(tz, nullptr) << name << " must be installed (tzdata) for these tests";
  return tz;
}

// Builds TZif files byte by byte so the parser is tested on known content, independent of the
// installed tzdata.
struct LocalTypeSpec {
  std::int32_t utoff;
  bool dst;
};

void put32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(char((v >> shift) & 0xff));
}

void put64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(char((v >> shift) & 0xff));
}

void putHeader(std::string& out, char version, std::uint32_t timecnt, std::uint32_t typecnt,
               std::uint32_t charcnt) {
  out += "TZif";
  out.push_back(version);
  out.append(15, '\0');
  put32(out, 0); // isutcnt
  put32(out, 0); // isstdcnt
  put32(out, 0); // leapcnt
  put32(out, timecnt);
  put32(out, typecnt);
  put32(out, charcnt);
}

void putBlock(std::string& out, bool wide, const std::vector<std::int64_t>& times,
              const std::vector<std::uint8_t>& idx, const std::vector<LocalTypeSpec>& types) {
  for (auto t : times) {
    if (wide)
      put64(out, std::uint64_t(t));
    else
      put32(out, std::uint32_t(std::int32_t(t)));
  }
  for (auto i : idx)
    out.push_back(char(i));
  for (auto& t : types) {
    put32(out, std::uint32_t(t.utoff));
    out.push_back(char(t.dst ? 1 : 0));
    out.push_back('\0'); // every type uses the abbreviation "ZZZ"
  }
  out += std::string("ZZZ\0", 4);
}

std::string tzifV1(const std::vector<std::int64_t>& times, const std::vector<std::uint8_t>& idx,
                   const std::vector<LocalTypeSpec>& types) {
  std::string out;
  putHeader(out, '\0', std::uint32_t(times.size()), std::uint32_t(types.size()), 4);
  putBlock(out, false, times, idx, types);
  return out;
}

std::string tzifV2(const std::vector<std::int64_t>& times, const std::vector<std::uint8_t>& idx,
                   const std::vector<LocalTypeSpec>& types, const std::string& footer,
                   char version = '2') {
  std::string out;
  // A minimal 32-bit block that the reader must skip: one type with a wrong offset, so reading
  // it by mistake would show in the offsets.
  putHeader(out, version, 0, 1, 4);
  putBlock(out, false, {}, {}, {{12345, false}});
  putHeader(out, version, std::uint32_t(times.size()), std::uint32_t(types.size()), 4);
  putBlock(out, true, times, idx, types);
  out += "\n" + footer + "\n";
  return out;
}

class TimeZoneFiles : public ::testing::Test {
protected:
  void SetUp() override {
    static int counter = 0;
    dir_ = std::filesystem::temp_directory_path() /
           ("mcpwatch-tz-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void write(const std::string& name, const std::string& bytes) {
    auto path = dir_ / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  }
  std::shared_ptr<const TimeZone> load(const std::string& name) {
    return TimeZone::load(name, dir_.string());
  }
  // A zone that is nothing but the footer: the rule applies to every instant.
  std::shared_ptr<const TimeZone> footerZone(const std::string& footer) {
    std::string name = "Footer/Z" + std::to_string(++zones_);
    write(name, tzifV2({}, {}, {{0, false}}, footer));
    return load(name);
  }

  std::filesystem::path dir_;
  int zones_ = 0;
};

} // namespace

TEST(TimeZone, UtcAliasesNeedNoFiles) {
  for (auto name : {"UTC", "Etc/UTC", "GMT"}) {
    auto tz = TimeZone::load(name, "/nonexistent-zoneinfo");
    ASSERT_NE(tz, nullptr) << name;
    EXPECT_EQ(tz->name(), name);
    EXPECT_EQ(tz->offsetAt(at("2026-07-01T12:00:00Z")), 0s);
  }
  EXPECT_EQ(TimeZone::utc()->name(), "UTC");
  EXPECT_EQ(TimeZone::utc(), TimeZone::load("UTC"));
}

TEST(TimeZone, BerlinWinterSummerAndExactTransitions) {
  auto tz = systemZone("Europe/Berlin");
  ASSERT_NE(tz, nullptr);
  EXPECT_EQ(tz->name(), "Europe/Berlin");
  EXPECT_EQ(offsetOf(*tz, "2026-01-15T12:00:00Z"), 3600);
  EXPECT_EQ(offsetOf(*tz, "2026-07-01T12:00:00Z"), 7200);
  EXPECT_EQ(offsetOf(*tz, "2026-03-29T00:59:59Z"), 3600);
  EXPECT_EQ(offsetOf(*tz, "2026-03-29T01:00:00Z"), 7200);
  EXPECT_EQ(offsetOf(*tz, "2026-10-25T00:59:59Z"), 7200);
  EXPECT_EQ(offsetOf(*tz, "2026-10-25T01:00:00Z"), 3600);
  // Sub-second instants just before a transition still belong to the old offset.
  EXPECT_EQ(tz->offsetAt(at("2026-03-29T01:00:00Z") - 1ms), 3600s);
}

TEST(TimeZone, BerlinBeforeFirstTransitionUsesLocalMeanTime) {
  auto tz = systemZone("Europe/Berlin");
  ASSERT_NE(tz, nullptr);
  EXPECT_EQ(offsetOf(*tz, "1850-01-01T00:00:00Z"), 3208); // LMT +0:53:28
}

TEST(TimeZone, NewYork) {
  auto tz = systemZone("America/New_York");
  ASSERT_NE(tz, nullptr);
  EXPECT_EQ(offsetOf(*tz, "2026-01-15T12:00:00Z"), -18000);
  EXPECT_EQ(offsetOf(*tz, "2026-07-01T12:00:00Z"), -14400);
  EXPECT_EQ(offsetOf(*tz, "2026-03-08T06:59:59Z"), -18000);
  EXPECT_EQ(offsetOf(*tz, "2026-03-08T07:00:00Z"), -14400);
  EXPECT_EQ(offsetOf(*tz, "2026-11-01T05:59:59Z"), -14400);
  EXPECT_EQ(offsetOf(*tz, "2026-11-01T06:00:00Z"), -18000);
}

TEST(TimeZone, KolkataHalfHour) {
  auto tz = systemZone("Asia/Kolkata");
  ASSERT_NE(tz, nullptr);
  EXPECT_EQ(offsetOf(*tz, "2026-01-15T12:00:00Z"), 19800);
  EXPECT_EQ(offsetOf(*tz, "2026-07-01T12:00:00Z"), 19800);
  EXPECT_EQ(offsetOf(*tz, "2080-07-01T12:00:00Z"), 19800);
}

TEST(TimeZone, SydneySouthernHemisphere) {
  auto tz = systemZone("Australia/Sydney");
  ASSERT_NE(tz, nullptr);
  EXPECT_EQ(offsetOf(*tz, "2026-01-15T12:00:00Z"), 39600);
  EXPECT_EQ(offsetOf(*tz, "2026-07-01T12:00:00Z"), 36000);
  EXPECT_EQ(offsetOf(*tz, "2026-04-04T15:59:59Z"), 39600);
  EXPECT_EQ(offsetOf(*tz, "2026-04-04T16:00:00Z"), 36000);
  EXPECT_EQ(offsetOf(*tz, "2026-10-03T15:59:59Z"), 36000);
  EXPECT_EQ(offsetOf(*tz, "2026-10-03T16:00:00Z"), 39600);
}

TEST(TimeZone, FarFutureUsesFooterRule) {
  // The installed files list transitions only up to 2037; later instants come from the footer.
  auto berlin = systemZone("Europe/Berlin");
  auto newYork = systemZone("America/New_York");
  auto sydney = systemZone("Australia/Sydney");
  ASSERT_TRUE(berlin && newYork && sydney);
  EXPECT_EQ(offsetOf(*berlin, "2080-01-10T00:00:00Z"), 3600);
  EXPECT_EQ(offsetOf(*berlin, "2080-03-31T00:59:59Z"), 3600);
  EXPECT_EQ(offsetOf(*berlin, "2080-03-31T01:00:00Z"), 7200);
  EXPECT_EQ(offsetOf(*berlin, "2080-10-27T00:59:59Z"), 7200);
  EXPECT_EQ(offsetOf(*berlin, "2080-10-27T01:00:00Z"), 3600);
  EXPECT_EQ(offsetOf(*newYork, "2040-03-11T06:59:59Z"), -18000);
  EXPECT_EQ(offsetOf(*newYork, "2040-03-11T07:00:00Z"), -14400);
  EXPECT_EQ(offsetOf(*newYork, "2040-11-04T06:00:00Z"), -18000);
  EXPECT_EQ(offsetOf(*sydney, "2040-03-31T15:59:59Z"), 39600);
  EXPECT_EQ(offsetOf(*sydney, "2040-03-31T16:00:00Z"), 36000);
  EXPECT_EQ(offsetOf(*sydney, "2040-10-06T16:00:00Z"), 39600);
  EXPECT_EQ(offsetOf(*sydney, "2080-12-25T00:00:00Z"), 39600);
}

TEST(TimeZone, RejectsBadNames) {
  for (auto name : {"", "/etc/localtime", "../zoneinfo/UTC", "Europe/../Europe/Berlin", "..",
                    "Europe/Berlin\n", "Europe Berlin", "Europe/Berlin;rm", "Europe\\Berlin",
                    "Nowhere/Atlantis", "Europe", "Europe/berlin.txt"}) {
    EXPECT_EQ(TimeZone::load(name, kZoneinfo), nullptr) << name;
  }
  EXPECT_EQ(TimeZone::load(std::string(300, 'A'), kZoneinfo), nullptr);
  EXPECT_EQ(TimeZone::load(std::string_view("Europe/Berlin\0x", 15), kZoneinfo), nullptr);
}

TEST(TimeZone, RepeatedLoadsShareOneZone) {
  auto first = systemZone("Europe/Berlin");
  auto again = systemZone("Europe/Berlin");
  EXPECT_EQ(first, again);
  std::vector<std::shared_ptr<const TimeZone>> seen(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i)
    threads.emplace_back([&seen, i] { seen[i] = TimeZone::load("Asia/Tokyo", kZoneinfo); });
  for (auto& t : threads)
    t.join();
  ASSERT_NE(seen[0], nullptr);
  for (auto& z : seen)
    EXPECT_EQ(z, seen[0]);
}

TEST_F(TimeZoneFiles, ReadsVersion1Files) {
  // A made-up zone: -5h, then +1h DST from 2026-04-01 to 2026-10-01, then standard again.
  std::int64_t dstStart = 1775001600; // 2026-04-01T00:00:00Z
  std::int64_t dstEnd = 1790812800;   // 2026-10-01T00:00:00Z
  write("Test/V1", tzifV1({dstStart, dstEnd}, {1, 0}, {{-18000, false}, {-14400, true}}));
  auto tz = load("Test/V1");
  ASSERT_NE(tz, nullptr);
  EXPECT_EQ(offsetOf(*tz, "2026-01-01T00:00:00Z"), -18000);
  EXPECT_EQ(offsetOf(*tz, "2026-04-01T00:00:00Z"), -14400);
  EXPECT_EQ(offsetOf(*tz, "2026-09-30T23:59:59Z"), -14400);
  EXPECT_EQ(offsetOf(*tz, "2026-10-01T00:00:00Z"), -18000);
  // Without a footer the last type holds forever.
  EXPECT_EQ(offsetOf(*tz, "2090-07-01T00:00:00Z"), -18000);
}

TEST_F(TimeZoneFiles, BeforeFirstTransitionUsesFirstStandardType) {
  // Type 0 is DST here; RFC 8536 says the first standard-time type covers the distant past.
  write("Test/Before", tzifV2({1775001600}, {1}, {{7200, true}, {3600, false}}, ""));
  auto tz = load("Test/Before");
  ASSERT_NE(tz, nullptr);
  EXPECT_EQ(offsetOf(*tz, "2000-01-01T00:00:00Z"), 3600);
  EXPECT_EQ(offsetOf(*tz, "2027-01-01T00:00:00Z"), 3600);
}

TEST_F(TimeZoneFiles, UsesVersion2BlockAndFooterAfterLastTransition) {
  // One transition in 2020 to +1, then the footer takes over with EU rules.
  write("Test/V3", tzifV2({1577836800}, {1}, {{0, false}, {3600, false}, {7200, true}},
                          "CET-1CEST,M3.5.0,M10.5.0/3", '3'));
  auto tz = load("Test/V3");
  ASSERT_NE(tz, nullptr);
  EXPECT_EQ(offsetOf(*tz, "2019-06-01T00:00:00Z"), 0);
  EXPECT_EQ(offsetOf(*tz, "2020-01-01T00:00:00Z"), 3600);
  EXPECT_EQ(offsetOf(*tz, "2026-03-29T01:00:00Z"), 7200);
  EXPECT_EQ(offsetOf(*tz, "2080-10-27T00:59:59Z"), 7200);
  EXPECT_EQ(offsetOf(*tz, "2080-10-27T01:00:00Z"), 3600);
}

TEST_F(TimeZoneFiles, FooterFixedOffsetWithMinutes) {
  auto tehran = footerZone("<+0330>-3:30");
  ASSERT_NE(tehran, nullptr);
  EXPECT_EQ(offsetOf(*tehran, "2090-06-01T00:00:00Z"), 12600);
  auto west = footerZone("<-0230>2:30");
  ASSERT_NE(west, nullptr);
  EXPECT_EQ(offsetOf(*west, "2090-06-01T00:00:00Z"), -9000);
}

TEST_F(TimeZoneFiles, FooterHoursBeyondADay) {
  // Israel: DST starts at 26:00 on the fourth Thursday of March.
  auto tz = footerZone("IST-2IDT,M3.4.4/26,M10.5.0");
  ASSERT_NE(tz, nullptr);
  EXPECT_EQ(offsetOf(*tz, "2040-03-22T23:59:59Z"), 7200);
  EXPECT_EQ(offsetOf(*tz, "2040-03-23T00:00:00Z"), 10800);
  EXPECT_EQ(offsetOf(*tz, "2040-10-27T22:59:59Z"), 10800);
  EXPECT_EQ(offsetOf(*tz, "2040-10-27T23:00:00Z"), 7200);
}

TEST_F(TimeZoneFiles, FooterNegativeTransitionTimes) {
  // Greenland: DST starts at -1:00 local time on the last Sunday of March.
  auto tz = footerZone("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
  ASSERT_NE(tz, nullptr);
  EXPECT_EQ(offsetOf(*tz, "2040-03-25T00:59:59Z"), -7200);
  EXPECT_EQ(offsetOf(*tz, "2040-03-25T01:00:00Z"), -3600);
  EXPECT_EQ(offsetOf(*tz, "2040-10-28T00:59:59Z"), -3600);
  EXPECT_EQ(offsetOf(*tz, "2040-10-28T01:00:00Z"), -7200);
}

TEST_F(TimeZoneFiles, FooterJulianDayForms) {
  // Jn never counts February 29: J60 is March 1 in every year.
  auto j1 = footerZone("XST5XDT,J60/2,J300/2");
  ASSERT_NE(j1, nullptr);
  EXPECT_EQ(offsetOf(*j1, "2028-03-01T06:59:59Z"), -18000);
  EXPECT_EQ(offsetOf(*j1, "2028-03-01T07:00:00Z"), -14400);
  EXPECT_EQ(offsetOf(*j1, "2028-10-27T05:59:59Z"), -14400);
  EXPECT_EQ(offsetOf(*j1, "2028-10-27T06:00:00Z"), -18000);
  // n counts from 0 and includes February 29: day 59 is Feb 29 in a leap year, Mar 1 otherwise.
  auto j0 = footerZone("XST5XDT,59/2,299/2");
  ASSERT_NE(j0, nullptr);
  EXPECT_EQ(offsetOf(*j0, "2028-02-29T06:59:59Z"), -18000);
  EXPECT_EQ(offsetOf(*j0, "2028-02-29T07:00:00Z"), -14400);
  EXPECT_EQ(offsetOf(*j0, "2028-10-26T06:00:00Z"), -18000);
  EXPECT_EQ(offsetOf(*j0, "2027-02-28T12:00:00Z"), -18000);
  EXPECT_EQ(offsetOf(*j0, "2027-03-01T07:00:00Z"), -14400);
}

TEST_F(TimeZoneFiles, FooterAllYearDaylightTime) {
  // zic writes permanent DST as a rule that ends after it starts again.
  auto tz = footerZone("EST5EDT,0/0,J365/25");
  ASSERT_NE(tz, nullptr);
  for (auto t : {"2030-01-01T04:30:00Z", "2030-01-01T05:30:00Z", "2030-06-01T00:00:00Z",
                 "2030-12-31T23:30:00Z", "2031-01-01T04:59:59Z"})
    EXPECT_EQ(offsetOf(*tz, t), -14400) << t;
}

TEST_F(TimeZoneFiles, FooterSouthernHemisphere) {
  auto tz = footerZone("AEST-10AEDT,M10.1.0,M4.1.0/3");
  ASSERT_NE(tz, nullptr);
  EXPECT_EQ(offsetOf(*tz, "2040-01-01T00:00:00Z"), 39600);
  EXPECT_EQ(offsetOf(*tz, "2040-03-31T15:59:59Z"), 39600);
  EXPECT_EQ(offsetOf(*tz, "2040-03-31T16:00:00Z"), 36000);
  EXPECT_EQ(offsetOf(*tz, "2040-10-06T16:00:00Z"), 39600);
  EXPECT_EQ(offsetOf(*tz, "2040-12-31T23:00:00Z"), 39600);
}

TEST_F(TimeZoneFiles, RejectsMalformedFooters) {
  for (auto footer : {"CET", "CET-", "C-1", "CET-1CEST,M3.5.0", "CET-1CEST,M13.5.0,M10.5.0",
                      "CET-1CEST,M3.6.0,M10.5.0", "CET-1CEST,M3.5.7,M10.5.0", "CET-1CEST,J0,J5",
                      "CET-1CEST,J366,J5", "CET-1CEST,M3.5.0/168,M10.5.0", "<+03-3", "CET-25",
                      "CET-1CEST,M3.5.0,M10.5.0/3x", "CET-1:60"}) {
    EXPECT_EQ(footerZone(footer), nullptr) << footer;
  }
}

TEST_F(TimeZoneFiles, RejectsStructurallyBadFiles) {
  std::string good = tzifV2({1577836800}, {1}, {{0, false}, {3600, false}}, "CET-1");
  write("Test/Good", good);
  ASSERT_NE(load("Test/Good"), nullptr);

  std::string badMagic = good;
  badMagic[0] = 'X';
  write("Test/Magic", badMagic);
  EXPECT_EQ(load("Test/Magic"), nullptr);

  write("Test/Unsorted", tzifV2({1577836800, 1577836800}, {1, 0}, {{0, false}, {3600, false}}, ""));
  EXPECT_EQ(load("Test/Unsorted"), nullptr);

  write("Test/BadIndex", tzifV2({1577836800}, {7}, {{0, false}, {3600, false}}, ""));
  EXPECT_EQ(load("Test/BadIndex"), nullptr);

  write("Test/NoFooterEnd", good.substr(0, good.size() - 1));
  EXPECT_EQ(load("Test/NoFooterEnd"), nullptr);

  write("Test/Empty", "");
  EXPECT_EQ(load("Test/Empty"), nullptr);
}

TEST_F(TimeZoneFiles, EveryTruncationOfARealFileIsRejected) {
  std::ifstream in(std::string(kZoneinfo) + "/Europe/Berlin", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 100u);
  // Every cut inside the headers and the footer, and a spread of cuts through the data blocks.
  std::vector<std::size_t> lengths;
  for (std::size_t len = 0; len < bytes.size(); ++len)
    if (len < 120 || len + 80 > bytes.size() || len % 17 == 0)
      lengths.push_back(len);
  for (auto len : lengths) {
    write("Cut/Berlin", bytes.substr(0, len));
    ASSERT_EQ(load("Cut/Berlin"), nullptr) << "prefix of " << len << " bytes";
  }
  write("Cut/Berlin", bytes);
  EXPECT_NE(load("Cut/Berlin"), nullptr);
}

TEST_F(TimeZoneFiles, CorruptedBytesNeverCrash) {
  std::ifstream in(std::string(kZoneinfo) + "/America/New_York", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 100u);
  std::mt19937 rng(20260329); // fixed seed: the same corruptions on every run
  int loaded = 0;
  for (int round = 0; round < 300; ++round) {
    std::string copy = bytes;
    for (int flips = 0; flips < 3; ++flips)
      copy[rng() % copy.size()] = char(rng() & 0xff);
    std::string name = "Fuzz/Z" + std::to_string(round);
    write(name, copy);
    if (auto tz = load(name)) {
      ++loaded;
      for (auto t : {"1800-01-01T00:00:00Z", "2026-07-01T00:00:00Z", "2200-01-01T00:00:00Z"}) {
        auto off = tz->offsetAt(at(t));
        EXPECT_LE(std::abs(off.count()), 26 * 3600) << name;
      }
    }
  }
  // Most single-byte changes land in transition times or abbreviations and stay loadable.
  EXPECT_GT(loaded, 0);
}

TEST(TimeZoneFromTzif, ParsesBytesLikeAFileWithoutCaching) {
  const std::string bytes = tzifV2({1577836800}, {1}, {{0, false}, {3600, false}, {7200, true}},
                                   "CET-1CEST,M3.5.0,M10.5.0/3", '3');
  auto tz = TimeZone::fromTzif("Test/Bytes", bytes);
  ASSERT_NE(tz, nullptr);
  EXPECT_EQ(tz->name(), "Test/Bytes");
  EXPECT_EQ(offsetOf(*tz, "2019-06-01T00:00:00Z"), 0);
  EXPECT_EQ(offsetOf(*tz, "2026-03-29T01:00:00Z"), 7200);
  // Each call parses anew: zones from bytes are never shared through load()'s cache.
  EXPECT_NE(TimeZone::fromTzif("Test/Bytes", bytes), tz);
  EXPECT_EQ(TimeZone::fromTzif("Test/Bytes", bytes.substr(0, bytes.size() - 1)), nullptr);
  EXPECT_EQ(TimeZone::fromTzif("Test/Bytes", ""), nullptr);
}
