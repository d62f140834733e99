// The time seam: everything that decides by time takes a Clock so tests can move time by hand.
#pragma once

#include <chrono>

namespace mcpwatch::common {

using WallTime = std::chrono::system_clock::time_point;
using Seconds = std::chrono::seconds;
using Millis = std::chrono::milliseconds;

class Clock {
public:
  virtual ~Clock() = default;
  // Wall-clock time: used for schedules, incidents and events.
  virtual WallTime now() const = 0;
};

class SystemClock final : public Clock {
public:
  WallTime now() const override { return std::chrono::system_clock::now(); }
};

// A clock that only moves when told to; for tests.
class FakeClock final : public Clock {
public:
  explicit FakeClock(WallTime start = WallTime{} + std::chrono::hours(24 * 365 * 56))
      : now_(start) {}
  WallTime now() const override { return now_; }
  void advance(std::chrono::nanoseconds d) {
    now_ += std::chrono::duration_cast<WallTime::duration>(d);
  }
  void set(WallTime t) { now_ = t; }

private:
  WallTime now_;
};

} // namespace mcpwatch::common
