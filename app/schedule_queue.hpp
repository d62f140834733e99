// The daemon's due-time queue: which server to probe next, with a global concurrency limit and
// never two probes of one server at once. Pure: time is passed in, nothing waits here.
#pragma once

#include "common/clock.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

namespace mcpwatch::app {

class ScheduleQueue {
public:
  explicit ScheduleQueue(std::size_t concurrency) : concurrency_(concurrency) {}

  // (Re)schedules a server; replaces any earlier due time. A server that is in flight gets the
  // new due time once its probe finishes (finished() keeps it).
  void schedule(const std::string& slug, common::MonoTime due);
  // Forgets a server (removed from the config). An in-flight probe may still finish.
  void remove(const std::string& slug);

  // The next server whose due time has come, if a concurrency slot is free; marks it in flight.
  std::optional<std::string> takeDue(common::MonoTime now);
  // Called when a probe ends; frees the slot.
  void finished(const std::string& slug);

  // The earliest due time among servers not in flight (what the loop should sleep until), or
  // nullopt when nothing is scheduled.
  std::optional<common::MonoTime> nextDue() const;
  // How late the oldest due server is at `now` (0 when nothing is overdue): the schedule lag.
  std::chrono::milliseconds lag(common::MonoTime now) const;

  bool inFlight(const std::string& slug) const;
  std::size_t inFlightCount() const { return inFlight_.size(); }
  std::size_t size() const { return entries_.size(); }
  bool slotFree() const { return inFlight_.size() < concurrency_; }
  void setConcurrency(std::size_t n) { concurrency_ = n; }

private:
  struct Entry {
    common::MonoTime due;
    std::uint64_t generation = 0;
  };
  struct HeapItem {
    common::MonoTime due;
    std::uint64_t generation;
    std::string slug;
    bool operator>(const HeapItem& o) const { return due != o.due ? due > o.due : slug > o.slug; }
  };

  void dropStale() const;

  std::size_t concurrency_;
  std::uint64_t nextGeneration_ = 1;
  std::unordered_map<std::string, Entry> entries_;
  std::unordered_map<std::string, bool> inFlight_;
  // Lazy deletion: superseded items stay until they reach the top (generation mismatch).
  mutable std::priority_queue<HeapItem, std::vector<HeapItem>, std::greater<>> heap_;
};

} // namespace mcpwatch::app
