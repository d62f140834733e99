// Due-time queue with lazy deletion: O(log n) per schedule and per take.
#include "app/schedule_queue.hpp"

namespace mcpwatch::app {

void ScheduleQueue::schedule(const std::string& slug, common::MonoTime due) {
  auto& e = entries_[slug];
  e.due = due;
  e.generation = nextGeneration_++;
  if (!inFlight_.count(slug))
    heap_.push({due, e.generation, slug});
}

void ScheduleQueue::remove(const std::string& slug) {
  entries_.erase(slug);
}

void ScheduleQueue::dropStale() const {
  while (!heap_.empty()) {
    const auto& top = heap_.top();
    auto it = entries_.find(top.slug);
    if (it != entries_.end() && it->second.generation == top.generation &&
        !inFlight_.count(top.slug))
      return;
    heap_.pop();
  }
}

std::optional<std::string> ScheduleQueue::takeDue(common::MonoTime now) {
  if (!slotFree())
    return std::nullopt;
  dropStale();
  if (heap_.empty() || heap_.top().due > now)
    return std::nullopt;
  std::string slug = heap_.top().slug;
  heap_.pop();
  inFlight_[slug] = true;
  return slug;
}

void ScheduleQueue::finished(const std::string& slug) {
  inFlight_.erase(slug);
  auto it = entries_.find(slug);
  if (it != entries_.end()) {
    it->second.generation = nextGeneration_++;
    heap_.push({it->second.due, it->second.generation, slug});
  }
}

std::optional<common::MonoTime> ScheduleQueue::nextDue() const {
  dropStale();
  if (heap_.empty())
    return std::nullopt;
  return heap_.top().due;
}

std::chrono::milliseconds ScheduleQueue::lag(common::MonoTime now) const {
  auto due = nextDue();
  if (!due || *due >= now)
    return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - *due);
}

bool ScheduleQueue::inFlight(const std::string& slug) const {
  return inFlight_.count(slug) > 0;
}

} // namespace mcpwatch::app
