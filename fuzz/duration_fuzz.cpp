// Config durations ("500ms", "1h30m"): any text parses or is refused, and a parsed duration
// prints in its shortest spelling, which parses back to the same value.
#include "common/duration.hpp"
#include "fuzz/fuzz_check.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace mcpwatch::common;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto d = parseDuration(text);
  if (!d)
    return 0;
  FUZZ_CHECK(d->count() >= 0);
  std::string printed = formatDuration(*d);
  FUZZ_CHECK(!printed.empty());
  auto again = parseDuration(printed);
  FUZZ_CHECK(again && *again == *d);
  FUZZ_CHECK(formatDuration(*again) == printed);
  return 0;
}
