// Blocking POSIX-socket HTTP client for tests (see test_client.hpp).
#include "tests/demo/test_client.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace mcpwatch::testing {

std::optional<std::string> HttpReply::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n.size() == name.size() && ::strncasecmp(n.data(), name.data(), n.size()) == 0) {
      return v;
    }
  }
  return std::nullopt;
}

TestConnection::TestConnection(std::uint16_t port, std::chrono::milliseconds timeout)
    : TestConnection(port, "", timeout) {}

TestConnection::TestConnection(std::uint16_t port, const std::string& sourceAddress,
                               std::chrono::milliseconds timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) {
    return;
  }
  if (!sourceAddress.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    if (::inet_pton(AF_INET, sourceAddress.c_str(), &local.sin_addr) != 1 ||
        ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      close();
      return;
    }
  }
  timeval tv{};
  tv.tv_sec = static_cast<long>(timeout.count() / 1000);
  tv.tv_usec = static_cast<long>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close();
  }
}

TestConnection::~TestConnection() {
  close();
}

void TestConnection::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

bool TestConnection::send(std::string_view raw) {
  while (fd_ >= 0 && !raw.empty()) {
    ssize_t n = ::send(fd_, raw.data(), raw.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    raw.remove_prefix(static_cast<std::size_t>(n));
  }
  return fd_ >= 0;
}

bool TestConnection::fill() {
  if (fd_ < 0) {
    return false;
  }
  char tmp[4096];
  ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
  if (n <= 0) {
    return false;
  }
  buf_.append(tmp, static_cast<std::size_t>(n));
  return true;
}

std::optional<std::string> TestConnection::takeLine() {
  for (;;) {
    auto pos = buf_.find("\r\n");
    if (pos != std::string::npos) {
      std::string line = buf_.substr(0, pos);
      buf_.erase(0, pos + 2);
      return line;
    }
    if (!fill()) {
      return std::nullopt;
    }
  }
}

std::optional<HttpReply> TestConnection::readHead() {
  auto status = takeLine();
  if (!status || status->rfind("HTTP/1.", 0) != 0 || status->size() < 12) {
    return std::nullopt;
  }
  HttpReply reply;
  reply.status = std::stoi(status->substr(9, 3));
  for (;;) {
    auto line = takeLine();
    if (!line) {
      return std::nullopt;
    }
    if (line->empty()) {
      return reply;
    }
    auto colon = line->find(':');
    if (colon == std::string::npos) {
      return std::nullopt;
    }
    std::string value = line->substr(colon + 1);
    while (!value.empty() && value.front() == ' ') {
      value.erase(0, 1);
    }
    reply.headers.emplace_back(line->substr(0, colon), value);
  }
}

std::optional<std::string> TestConnection::readChunk() {
  auto sizeLine = takeLine();
  if (!sizeLine) {
    return std::nullopt;
  }
  std::size_t size = std::stoul(*sizeLine, nullptr, 16);
  while (buf_.size() < size + 2) {
    if (!fill()) {
      return std::nullopt;
    }
  }
  std::string data = buf_.substr(0, size);
  buf_.erase(0, size + 2);
  if (size == 0) {
    return std::nullopt;
  }
  return data;
}

std::string TestConnection::readChunksUntil(std::string_view needle) {
  std::string all;
  while (all.find(needle) == std::string::npos) {
    auto chunk = readChunk();
    if (!chunk) {
      break;
    }
    all += *chunk;
  }
  return all;
}

std::optional<HttpReply> TestConnection::readResponse(bool headRequest) {
  auto reply = readHead();
  if (!reply) {
    return std::nullopt;
  }
  if (headRequest || reply->status / 100 == 1 || reply->status == 204 || reply->status == 304) {
    return reply;
  }
  auto te = reply->header("Transfer-Encoding");
  if (te && te->find("chunked") != std::string::npos) {
    for (;;) {
      auto sizeLine = takeLine();
      if (!sizeLine) {
        return std::nullopt;
      }
      std::size_t size = std::stoul(*sizeLine, nullptr, 16);
      while (buf_.size() < size + 2) {
        if (!fill()) {
          return std::nullopt;
        }
      }
      reply->body += buf_.substr(0, size);
      buf_.erase(0, size + 2);
      if (size == 0) {
        return reply;
      }
    }
  }
  if (auto cl = reply->header("Content-Length")) {
    std::size_t size = std::stoul(*cl);
    while (buf_.size() < size) {
      if (!fill()) {
        return std::nullopt;
      }
    }
    reply->body = buf_.substr(0, size);
    buf_.erase(0, size);
    return reply;
  }
  while (fill()) {
  }
  reply->body = std::move(buf_);
  buf_.clear();
  return reply;
}

bool TestConnection::waitClosed() {
  if (fd_ < 0) {
    return true;
  }
  char tmp[4096];
  for (;;) {
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n == 0) {
      return true;
    }
    if (n < 0) {
      return errno == ECONNRESET;
    }
  }
}

std::string rawRequest(std::string_view method, std::string_view target,
                       const std::vector<std::pair<std::string, std::string>>& headers,
                       std::string_view body) {
  std::string out;
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  for (const auto& [n, v] : headers) {
    out.append(n).append(": ").append(v).append("\r\n");
  }
  if (!body.empty() || method == "POST") {
    out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  out.append("\r\n").append(body);
  return out;
}

std::optional<HttpReply> roundTrip(std::uint16_t port, std::string_view method,
                                   std::string_view target,
                                   const std::vector<std::pair<std::string, std::string>>& headers,
                                   std::string_view body) {
  TestConnection conn(port);
  if (!conn.connected() || !conn.send(rawRequest(method, target, headers, body))) {
    return std::nullopt;
  }
  return conn.readResponse(method == "HEAD");
}

} // namespace mcpwatch::testing
