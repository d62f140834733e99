// Helpers shared by the strict fakes and the sink tests (see fake_util.hpp).
#include "tests/fakes/fake_util.hpp"

#include "common/strings.hpp"

#include <stdexcept>

namespace mcpwatch::fakes {

std::size_t codePointCount(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80)
      ++n;
  return n;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::size_t occurrences(const std::string& haystack, const std::string& needle) {
  if (needle.empty())
    return 0;
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size()))
    ++n;
  return n;
}

std::optional<std::string> headerValue(const net::HeaderList& headers, std::string_view name) {
  for (const auto& [key, value] : headers)
    if (common::iequals(key, name))
      return value;
  return std::nullopt;
}

std::string baseContentType(const std::optional<std::string>& value) {
  if (!value)
    return {};
  auto s = common::toLower(*value);
  return std::string(common::trim(s.substr(0, s.find(';'))));
}

void listenOnLoopback(net::HttpServer& server, std::string_view fake) {
  auto port = server.listen("127.0.0.1", 0);
  if (!port)
    throw std::runtime_error(std::string(fake) + ": " + port.error());
}

Awaitable<void> answerAfter(std::chrono::milliseconds delay) {
  if (delay.count() <= 0)
    co_return;
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  boost::system::error_code ec;
  co_await timer.async_wait(redirect_error(use_awaitable, ec));
}

} // namespace mcpwatch::fakes
