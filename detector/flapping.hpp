// Nagios-style flap detection: weighted percent state change over the recent results.
#pragma once

#include <cstddef>
#include <deque>

namespace mcpwatch::detector {

struct FlapSettings {
  bool enabled = true;
  std::size_t window = 21;     // results considered (window - 1 possible changes)
  double highThreshold = 50.0; // percent at or above which flapping starts
  double lowThreshold = 25.0;  // percent below which flapping stops
};

// Percent state change of `history` (oldest first): each change between neighbours weighs from
// 0.8 (oldest slot) to 1.2 (newest slot) and the sum is divided by window - 1, so a short
// history counts its missing older slots as "no change" (a fresh server cannot flap at once).
double percentStateChange(const std::deque<bool>& history, std::size_t window);

} // namespace mcpwatch::detector
