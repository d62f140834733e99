// The time seam: everything that decides by time takes a Clock so tests can move time by hand.
#pragma once

#include <chrono>

namespace mcpwatch::common {

using WallTime = std::chrono::system_clock::time_point;
// Monotonic time: never steps when someone sets the system clock. Scheduling, timeouts, backoff
// and lag are measured on it; WallTime is only for timestamps people read and calendar windows.
using MonoTime = std::chrono::steady_clock::time_point;
using Seconds = std::chrono::seconds;
using Millis = std::chrono::milliseconds;

class Clock {
public:
  virtual ~Clock() = default;
  // Wall-clock time: timestamps of checks, incidents and events; maintenance and cron windows.
  virtual WallTime now() const = 0;
  // Monotonic time: when to probe, retry or ping next, and how late that is.
  virtual MonoTime monoNow() const = 0;
};

class SystemClock final : public Clock {
public:
  WallTime now() const override { return std::chrono::system_clock::now(); }
  MonoTime monoNow() const override { return std::chrono::steady_clock::now(); }
};

// A clock that only moves when told to; for tests. advance() moves both clocks as real time
// passing does; set() and stepWall() move only the wall clock, as a person or NTP stepping the
// system clock does.
class FakeClock final : public Clock {
public:
  explicit FakeClock(WallTime start = WallTime{} + std::chrono::hours(24 * 365 * 56))
      : now_(start), mono_(MonoTime{} + std::chrono::hours(1000)) {}
  WallTime now() const override { return now_; }
  MonoTime monoNow() const override { return mono_; }
  void advance(std::chrono::nanoseconds d) {
    now_ += std::chrono::duration_cast<WallTime::duration>(d);
    mono_ += std::chrono::duration_cast<MonoTime::duration>(d);
  }
  void set(WallTime t) { now_ = t; }
  void stepWall(std::chrono::nanoseconds d) {
    now_ += std::chrono::duration_cast<WallTime::duration>(d);
  }

private:
  WallTime now_;
  MonoTime mono_;
};

} // namespace mcpwatch::common
