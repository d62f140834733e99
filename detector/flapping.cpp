// Weighted percent state change (Nagios flap detection).
#include "detector/flapping.hpp"

namespace mcpwatch::detector {

double percentStateChange(const std::deque<bool>& history, std::size_t window) {
  if (window < 3 || history.size() < 2)
    return 0.0;
  const std::size_t slots = window - 1; // possible changes in a full window
  // Only the newest `window` results count; their changes fill the newest slots.
  const std::size_t count = history.size() < window ? history.size() : window;
  const std::size_t first = history.size() - count;
  double weighted = 0.0;
  for (std::size_t i = first + 1; i < history.size(); ++i) {
    if (history[i] == history[i - 1])
      continue;
    // Slot of this change: the newest change sits in slot slots - 1.
    const std::size_t slot = slots - (history.size() - i);
    weighted += 0.8 + 0.4 * static_cast<double>(slot) / static_cast<double>(slots - 1);
  }
  return weighted * 100.0 / static_cast<double>(slots);
}

} // namespace mcpwatch::detector
