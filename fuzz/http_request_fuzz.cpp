// Requests to the built-in web server: the bytes a client sends go through Beast's request
// parser configured exactly as net/http_server.cpp configures it (string body, header and body
// limits of ServerLimits, a fresh parser per pipelined request), read in uneven pieces the way
// the server's socket reads deliver them; then the parsed request is read the way the server
// turns it into a ServerRequest.
//
// The server's own target splitting and percent-decoding live in http_server.cpp next to its
// coroutines, which clang 14 cannot be trusted to compile, so they are not linked here.
#include "fuzz/fuzz_check.hpp"

#include <algorithm>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

// ServerLimits' defaults (net/http_server.hpp).
constexpr std::uint32_t kMaxHeaderBytes = 16 * 1024;
constexpr std::uint64_t kMaxBodyBytes = 1024 * 1024;

struct Reader {
  std::string_view input;
  std::size_t pos = 0;
  unsigned seed;

  // The next piece of the stream, as one async_read_some would return it (1..4096 bytes).
  bool readSome(beast::flat_buffer& buffer) {
    if (pos >= input.size())
      return false;
    seed = seed * 1103515245u + 12345u;
    std::size_t n = std::min<std::size_t>(input.size() - pos, 1 + (seed >> 16) % 4096);
    auto dest = buffer.prepare(n);
    std::memcpy(dest.data(), input.data() + pos, n);
    buffer.commit(n);
    pos += n;
    return true;
  }
};

// What serveConnection reads from a complete request.
void useRequest(const http::request<http::string_body>& req) {
  std::string method(req.method_string());
  std::string target(req.target());
  FUZZ_CHECK(!method.empty());
  FUZZ_CHECK(!target.empty());
  unsigned version = req.version() >= 11 ? 11 : 10;
  FUZZ_CHECK(version == 10 || version == 11);
  std::size_t fields = 0;
  for (const auto& field : req) {
    std::string name(field.name_string());
    std::string value(field.value());
    FUZZ_CHECK(!name.empty());
    FUZZ_CHECK(value.find_first_of("\r\n") == std::string::npos);
    ++fields;
  }
  FUZZ_CHECK(req.body().size() <= kMaxBodyBytes);
  (void)req.keep_alive();
  if (auto it = req.find(http::field::expect); it != req.end())
    (void)it->value();
  (void)fields;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1)
    return 0;
  Reader reader{std::string_view(reinterpret_cast<const char*>(data + 1), size - 1), 0, data[0]};
  beast::flat_buffer buffer;

  // Keep-alive: one parser per request on the same buffer, until an error or the input ends.
  for (int requests = 0; requests < 64; ++requests) {
    if (buffer.size() == 0 && !reader.readSome(buffer))
      return 0;
    http::request_parser<http::string_body> parser;
    parser.header_limit(kMaxHeaderBytes);
    parser.body_limit(kMaxBodyBytes);
    beast::error_code ec;
    while (!parser.is_done()) {
      std::size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec == http::error::need_more || (!ec && used == 0)) {
        ec = {};
        if (!reader.readSome(buffer)) {
          parser.put_eof(ec);
          break;
        }
        continue;
      }
      if (ec)
        break;
    }
    if (ec || !parser.is_done())
      return 0;
    auto req = parser.release();
    useRequest(req);
    if (!req.keep_alive())
      return 0;
  }
  return 0;
}
