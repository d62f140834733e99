// A minimal blocking HTTP/1.1 client on POSIX sockets for the demo/http_server tests: raw bytes
// out, responses parsed by hand (so the server is not tested with its own parser). Every read
// has a receive timeout, so a misbehaving server fails a test instead of hanging it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcpwatch::testing {

struct HttpReply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<std::string> header(std::string_view name) const;
};

class TestConnection {
public:
  explicit TestConnection(std::uint16_t port,
                          std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Connects to 127.0.0.1 from `sourceAddress` (another loopback address such as 127.0.0.2, so
  // one test can play several clients); empty: the system's choice.
  TestConnection(std::uint16_t port, const std::string& sourceAddress,
                 std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~TestConnection();
  TestConnection(const TestConnection&) = delete;
  TestConnection& operator=(const TestConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send(std::string_view raw);
  // One whole response (Content-Length, chunked, or until close); nullopt on EOF or timeout.
  std::optional<HttpReply> readResponse(bool headRequest = false);
  // Only the status line and headers (for streamed responses; follow with readChunk).
  std::optional<HttpReply> readHead();
  // The next chunk of a chunked body; nullopt at the last chunk, EOF or timeout.
  std::optional<std::string> readChunk();
  // Reads chunks until the accumulated text contains `needle`; returns all of it read so far.
  std::string readChunksUntil(std::string_view needle);
  // True when the peer closes the connection before the timeout (data before that is dropped).
  bool waitClosed();
  void close();

private:
  bool fill(); // one recv into buf_; false on EOF, error or timeout
  std::optional<std::string> takeLine();

  int fd_ = -1;
  std::string buf_;
};

// "POST /mcp HTTP/1.1" with Host and Content-Length added.
std::string rawRequest(std::string_view method, std::string_view target,
                       const std::vector<std::pair<std::string, std::string>>& headers = {},
                       std::string_view body = "");

// One request on a fresh connection.
std::optional<HttpReply>
roundTrip(std::uint16_t port, std::string_view method, std::string_view target,
          const std::vector<std::pair<std::string, std::string>>& headers = {},
          std::string_view body = "");

} // namespace mcpwatch::testing
