// SSE reader: any bytes, in any chunking, parse without crashing, and the chunking never changes
// the events (a CRLF, a BOM or a line split across reads must not matter).
#include "fuzz/fuzz_check.hpp"
#include "net/sse.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

using mcpwatch::net::SseEvent;
using mcpwatch::net::SseParser;

namespace {

bool sameEvents(const std::vector<SseEvent>& a, const std::vector<SseEvent>& b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].event != b[i].event || a[i].data != b[i].data || a[i].id != b[i].id ||
        a[i].retryMs != b[i].retryMs)
      return false;
  }
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2)
    return 0;
  // The first two bytes choose the line cap (small caps reach the overflow path) and the seed of
  // the chunk sizes; the rest is the stream.
  std::size_t maxLine = data[0] < 128 ? 8 * 1024 * 1024 : std::size_t(data[0] - 127);
  unsigned seed = data[1];
  std::string_view stream(reinterpret_cast<const char*>(data + 2), size - 2);

  SseParser whole(maxLine);
  std::vector<SseEvent> expected = whole.feed(stream);

  SseParser chunked(maxLine);
  std::vector<SseEvent> got;
  std::size_t pos = 0;
  while (pos < stream.size()) {
    seed = seed * 1103515245u + 12345u;
    std::size_t n = 1 + (seed >> 16) % 7;
    auto events = chunked.feed(stream.substr(pos, n));
    got.insert(got.end(), events.begin(), events.end());
    pos += n;
  }

  FUZZ_CHECK(whole.overflowed() == chunked.overflowed());
  FUZZ_CHECK(whole.commentCount() == chunked.commentCount());
  FUZZ_CHECK(sameEvents(expected, got));
  for (const auto& e : expected)
    FUZZ_CHECK(!e.event.empty());
  return 0;
}
