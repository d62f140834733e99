// URL parser: server URLs from the config and the endpoint references SSE servers send. A parsed
// URL prints to text that parses back to the same URL, and every resolved reference is such a URL.
#include "common/url.hpp"
#include "fuzz/fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

using mcpwatch::common::Url;

namespace {

void checkRoundTrip(const Url& url) {
  FUZZ_CHECK(url.scheme == "http" || url.scheme == "https");
  FUZZ_CHECK(!url.host.empty());
  FUZZ_CHECK(url.port != 0);
  FUZZ_CHECK(!url.target.empty() && url.target.front() == '/');
  FUZZ_CHECK(url.target.find('#') == std::string::npos);
  auto again = Url::parse(url.toString());
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(*again == url);
  FUZZ_CHECK(url.origin() + url.target == url.toString());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // "base\nreference": the reference is resolved against the base (when the base parses) and
  // against a fixed base; without a newline the whole input is both.
  auto newline = input.find('\n');
  std::string_view baseText = input.substr(0, newline);
  std::string_view reference =
      newline == std::string_view::npos ? input : input.substr(newline + 1);

  static const Url fixedBase = *Url::parse("https://mcp.example.com:8443/v1/sse?token=abc");
  auto base = Url::parse(baseText);
  if (base) {
    checkRoundTrip(*base);
    if (auto resolved = base->resolve(reference))
      checkRoundTrip(*resolved);
  }
  if (auto resolved = fixedBase.resolve(reference))
    checkRoundTrip(*resolved);
  if (auto whole = Url::parse(input))
    checkRoundTrip(*whole);
  return 0;
}
