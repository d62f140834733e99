// RFC 3339 timestamps (maintenance windows in the config, the admin API, stored state): any
// text parses or is refused, and a parsed instant prints as text that parses back to it.
#include "common/time.hpp"
#include "fuzz/fuzz_check.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace mcpwatch::common;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto t = parseRfc3339(text);
  if (!t)
    return 0;
  std::string millis = formatRfc3339Millis(*t);
  FUZZ_CHECK(millis.size() == 24 && millis.back() == 'Z');
  auto again = parseRfc3339(millis);
  FUZZ_CHECK(again && *again == *t);
  std::string whole = formatRfc3339(*t);
  FUZZ_CHECK(whole.size() == 20 && whole.substr(0, 19) == millis.substr(0, 19));
  return 0;
}
