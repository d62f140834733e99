// Inbound HTTP/1.1 server: one coroutine per connection on its own strand, Beast parser with
// limits, keep-alive, chunked streaming, and a stop() that closes everything promptly.
// clang-format off
#include <utility> // before common/asio.hpp: Boost 1.74's awaitable.hpp uses std::exchange
// clang-format on
#include "net/http_server.hpp"

#include "common/log.hpp"
#include "common/strings.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <limits>
#include <mutex>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <unordered_map>

namespace mcpwatch::net {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

// ---------------------------------------------------------------------------------------------
// Small value types

void HeaderFields::add(std::string name, std::string value) {
  entries_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string> HeaderFields::get(std::string_view name) const {
  for (const auto& [n, v] : entries_) {
    if (common::iequals(n, name)) {
      return v;
    }
  }
  return std::nullopt;
}

std::optional<std::string> ServerRequest::query(std::string_view name) const {
  for (const auto& [n, v] : queryParams) {
    if (n == name) {
      return v;
    }
  }
  return std::nullopt;
}

ServerResponse ServerResponse::text(int status, std::string body) {
  ServerResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}

ServerResponse ServerResponse::json(int status, std::string body) {
  ServerResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

ServerResponse& ServerResponse::with(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

std::optional<std::string> ServerResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (common::iequals(n, name)) {
      return v;
    }
  }
  return std::nullopt;
}

namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

} // namespace

std::optional<std::string> percentDecode(std::string_view text, bool plusIsSpace) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return std::nullopt;
      }
      int hi = hexValue(text[i + 1]);
      int lo = hexValue(text[i + 2]);
      if (hi < 0 || lo < 0) {
        return std::nullopt;
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plusIsSpace) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::string_view part : common::split(query, '&')) {
    if (part.empty()) {
      continue;
    }
    auto eq = part.find('=');
    std::string_view rawName = part.substr(0, eq);
    std::string_view rawValue = eq == std::string_view::npos ? "" : part.substr(eq + 1);
    auto name = percentDecode(rawName, true);
    auto value = percentDecode(rawValue, true);
    out.emplace_back(name ? *name : std::string(rawName), value ? *value : std::string(rawValue));
  }
  return out;
}

bool parseTarget(std::string_view target, ServerRequest& out) {
  // absolute-form ("http://host/path") is allowed by RFC 9112; only the path matters here.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() >= scheme.size() &&
        common::iequals(target.substr(0, scheme.size()), scheme)) {
      auto slash = target.find('/', scheme.size());
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
      break;
    }
  }
  if (target.empty() || target.front() != '/') {
    return false;
  }
  auto q = target.find('?');
  std::string_view rawPath = target.substr(0, q);
  out.rawQuery.clear();
  out.queryParams.clear();
  if (q != std::string_view::npos) {
    out.rawQuery = std::string(target.substr(q + 1));
    auto hash = out.rawQuery.find('#');
    if (hash != std::string::npos) {
      out.rawQuery.resize(hash);
    }
    out.queryParams = parseQuery(out.rawQuery);
  }
  if (auto hash = rawPath.find('#'); hash != std::string_view::npos) {
    rawPath = rawPath.substr(0, hash);
  }
  // Split first, then decode each segment: "%2F" is data inside a segment, never a separator
  // (otherwise "/api%2Fv1/..." would reach what a proxy rule for "/api/v1/" meant to guard).
  std::vector<std::string> segments;
  std::string path;
  for (std::string_view raw : common::split(rawPath.substr(1), '/')) {
    auto decoded = percentDecode(raw, false);
    if (!decoded || decoded->find('\0') != std::string::npos) {
      return false;
    }
    path.push_back('/');
    for (char c : *decoded) {
      if (c == '/') {
        path.append("%2F");
      } else {
        path.push_back(c);
      }
    }
    segments.push_back(std::move(*decoded));
  }
  out.path = std::move(path);
  out.segments = std::move(segments);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Server internals

namespace {

constexpr std::string_view kForbiddenHeaderChars{"\r\n\0", 3};

void validateHeaders(const HeaderList& headers) {
  for (const auto& [name, value] : headers) {
    if (name.empty() || name.find_first_of(kForbiddenHeaderChars) != std::string::npos ||
        name.find_first_of(" :") != std::string::npos ||
        value.find_first_of(kForbiddenHeaderChars) != std::string::npos) {
      throw std::invalid_argument("response header with an invalid name or value");
    }
  }
}

void validateStatus(int status) {
  if (status < 200 || status > 599) {
    throw std::invalid_argument(fmt::format("response status {} is not 200..599", status));
  }
}

// Fields the server owns; a handler's copies are ignored.
bool serverOwnedField(std::string_view name) {
  return common::iequals(name, "Content-Length") || common::iequals(name, "Transfer-Encoding") ||
         common::iequals(name, "Connection");
}

struct Connection {
  Connection(tcp::socket socket, std::uint64_t id, std::string client, bool reserve)
      : stream(std::move(socket)), id(id), client(std::move(client)), reserve(reserve),
        acceptedAt(std::chrono::steady_clock::now()) {}

  // Strand only.
  void markClosed() {
    if (closed) {
      return;
    }
    closed = true;
    if (auto callback = std::move(onClose)) {
      onClose = nullptr;
      callback();
    }
  }

  // Strand only.
  void closeNow() {
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream.close();
    markClosed();
  }

  beast::tcp_stream stream;
  std::uint64_t id;
  std::string client;
  bool reserve; // a reserved slot: one request, then close
  std::chrono::steady_clock::time_point acceptedAt;
  bool closed = false;
  std::function<void()> onClose;
};

// The key the per-client limit counts by: one IPv4 address, or one IPv6 /64 (a single host
// usually holds a whole /64, so counting single IPv6 addresses would limit nothing).
std::string clientKeyOf(const asio::ip::address& address) {
  if (address.is_v6()) {
    auto v6 = address.to_v6();
    if (v6.is_v4_mapped()) {
      return asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_string();
    }
    auto bytes = v6.to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return asio::ip::address_v6(bytes).to_string() + "/64";
  }
  return address.to_string();
}

} // namespace

struct HttpServer::Impl {
  Impl(asio::any_io_executor ex, Handler h, ServerLimits l)
      : executor(ex), acceptorStrand(asio::make_strand(ex)), handler(std::move(h)),
        limits(std::move(l)), acceptor(acceptorStrand) {}

  asio::any_io_executor executor;
  asio::any_io_executor acceptorStrand;
  Handler handler;
  ServerLimits limits;
  tcp::acceptor acceptor; // acceptor strand only
  std::atomic<std::uint16_t> boundPort{0};

  mutable std::mutex mutex; // guards everything below
  bool stopping = false;
  bool listening = false;
  std::uint64_t nextId = 1;
  std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> connections;
  std::unordered_map<std::string, std::size_t> perClient; // open connections by client key

  bool isStopping() const {
    std::lock_guard lock(mutex);
    return stopping;
  }
};

namespace {

using Impl = HttpServer::Impl;

class ConnectionWriter final : public ResponseWriter {
public:
  ConnectionWriter(const Impl& server, std::shared_ptr<Connection> conn, unsigned version,
                   bool keepAlive, bool head)
      : server_(server), conn_(std::move(conn)), version_(version), keepAlive_(keepAlive),
        head_(head) {}

  Awaitable<void> send(ServerResponse response) override {
    if (state_ != State::Idle) {
      throw std::logic_error("a response was already started for this request");
    }
    validateStatus(response.status);
    validateHeaders(response.headers);
    http::response<http::string_body> res{static_cast<http::status>(response.status), version_};
    bool hasServer = false;
    for (auto& [name, value] : response.headers) {
      if (common::iequals(name, "Connection")) {
        if (common::iequals(common::trim(value), "close")) {
          keepAlive_ = false;
        }
        continue;
      }
      if (serverOwnedField(name)) {
        continue;
      }
      hasServer = hasServer || common::iequals(name, "Server");
      res.insert(name, value);
    }
    if (!hasServer && !server_.limits.serverHeader.empty()) {
      res.set(http::field::server, server_.limits.serverHeader);
    }
    res.keep_alive(keepAlive_);
    res.body() = std::move(response.body);
    res.prepare_payload(); // throws for a body on 204/304: still before anything is sent
    state_ = State::Sent;
    conn_->stream.expires_after(server_.limits.writeTimeout);
    beast::error_code ec;
    if (head_) {
      http::response_serializer<http::string_body> serializer{res};
      co_await http::async_write_header(conn_->stream, serializer,
                                        redirect_error(use_awaitable, ec));
    } else {
      co_await http::async_write(conn_->stream, res, redirect_error(use_awaitable, ec));
    }
    if (ec) {
      failed_ = true;
    }
  }

  Awaitable<bool> startStream(int status, HeaderList headers) override {
    if (state_ != State::Idle) {
      throw std::logic_error("a response was already started for this request");
    }
    validateStatus(status);
    validateHeaders(headers);
    http::response<http::empty_body> res{static_cast<http::status>(status), version_};
    bool hasServer = false;
    for (auto& [name, value] : headers) {
      if (serverOwnedField(name)) {
        continue;
      }
      hasServer = hasServer || common::iequals(name, "Server");
      res.insert(name, value);
    }
    if (!hasServer && !server_.limits.serverHeader.empty()) {
      res.set(http::field::server, server_.limits.serverHeader);
    }
    // HTTP/1.0 has no chunked encoding: the body then ends when the connection closes.
    chunked_ = version_ >= 11;
    if (chunked_) {
      res.chunked(true);
    }
    res.keep_alive(false);
    state_ = State::Streaming;
    if (!open()) {
      co_return false;
    }
    http::response_serializer<http::empty_body> serializer{res};
    conn_->stream.expires_after(server_.limits.writeTimeout);
    beast::error_code ec;
    co_await http::async_write_header(conn_->stream, serializer, redirect_error(use_awaitable, ec));
    if (ec) {
      failed_ = true;
      conn_->markClosed();
      co_return false;
    }
    // The client sends nothing more on this connection; a read completing means it went away.
    asio::co_spawn(conn_->stream.get_executor(), watchForDisconnect(conn_), asio::detached);
    co_return true;
  }

  Awaitable<bool> write(std::string_view data) override {
    if (state_ != State::Streaming) {
      throw std::logic_error("write() needs startStream() first");
    }
    if (!open()) {
      co_return false;
    }
    if (data.empty() || head_) {
      co_return true; // an empty chunk would end the body; HEAD has none
    }
    std::string frame;
    if (chunked_) {
      frame = fmt::format("{:x}\r\n", data.size());
      frame.append(data);
      frame.append("\r\n");
    } else {
      frame.assign(data);
    }
    conn_->stream.expires_after(server_.limits.writeTimeout);
    beast::error_code ec;
    co_await asio::async_write(conn_->stream, asio::buffer(frame),
                               redirect_error(use_awaitable, ec));
    if (ec) {
      failed_ = true;
      conn_->markClosed();
      co_return false;
    }
    co_return true;
  }

  Awaitable<void> endStream() override {
    if (state_ != State::Streaming) {
      co_return;
    }
    state_ = State::Ended;
    if (chunked_ && !head_ && open()) {
      conn_->stream.expires_after(server_.limits.writeTimeout);
      beast::error_code ec;
      co_await asio::async_write(conn_->stream, asio::buffer(std::string_view("0\r\n\r\n")),
                                 redirect_error(use_awaitable, ec));
    }
  }

  bool open() const override { return !conn_->closed && !server_.isStopping(); }

  void onClose(std::function<void()> callback) override {
    if (!callback) {
      return;
    }
    if (conn_->closed) {
      callback();
      return;
    }
    conn_->onClose = std::move(callback);
  }

  bool responded() const override { return state_ != State::Idle; }
  bool streamed() const { return state_ == State::Streaming || state_ == State::Ended; }
  bool failed() const { return failed_; }
  bool keepAlive() const { return keepAlive_; }

private:
  static Awaitable<void> watchForDisconnect(std::shared_ptr<Connection> conn) {
    std::array<char, 512> scratch{};
    beast::error_code ec;
    while (!ec) {
      co_await conn->stream.socket().async_read_some(asio::buffer(scratch),
                                                     redirect_error(use_awaitable, ec));
    }
    conn->markClosed();
  }

  enum class State { Idle, Sent, Streaming, Ended };

  const Impl& server_;
  std::shared_ptr<Connection> conn_;
  unsigned version_;
  bool keepAlive_;
  bool head_;
  bool chunked_ = false;
  bool failed_ = false;
  State state_ = State::Idle;
};

// The status to answer a failed request read with, or 0 to just close (peer gone, stop()).
int statusForReadError(const beast::error_code& ec) {
  if (ec == beast::error::timeout) {
    return 408;
  }
  if (ec == http::error::header_limit) {
    return 431;
  }
  if (ec == http::error::body_limit) {
    return 413;
  }
  if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
    if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
      return 0;
    }
    return 400;
  }
  return 0;
}

std::string_view reasonText(int status) {
  switch (status) {
  case 400:
    return "Bad Request";
  case 408:
    return "Request Timeout";
  case 413:
    return "Payload Too Large";
  case 431:
    return "Request Header Fields Too Large";
  default:
    return "Internal Server Error";
  }
}

// An error answer after which the connection is closed; `head`: the headers only.
Awaitable<void> writeErrorAndClose(const Impl& server, Connection& conn, int status,
                                   bool head = false) {
  http::response<http::string_body> res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  if (!server.limits.serverHeader.empty()) {
    res.set(http::field::server, server.limits.serverHeader);
  }
  res.keep_alive(false);
  res.body() = std::string(reasonText(status)) + "\n";
  res.prepare_payload();
  conn.stream.expires_after(server.limits.writeTimeout);
  beast::error_code ec;
  if (head) {
    http::response_serializer<http::string_body> serializer{res};
    co_await http::async_write_header(conn.stream, serializer, redirect_error(use_awaitable, ec));
  } else {
    co_await http::async_write(conn.stream, res, redirect_error(use_awaitable, ec));
  }
}

std::string remoteAddressOf(const Connection& conn) {
  beast::error_code ec;
  auto ep = conn.stream.socket().remote_endpoint(ec);
  if (ec) {
    return "";
  }
  if (ep.address().is_v6()) {
    return fmt::format("[{}]:{}", ep.address().to_string(), ep.port());
  }
  return fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

bool expectsContinue(const http::request_parser<http::string_body>& parser) {
  auto it = parser.get().find(http::field::expect);
  return it != parser.get().end() &&
         common::iequals(common::trim(std::string_view(it->value().data(), it->value().size())),
                         "100-continue");
}

// RFC 9112 6.1: only "chunked" alone frames a request body here. Anything else ("gzip, chunked",
// "identity", the field twice, with Content-Length, on HTTP/1.0) could be framed differently by
// a proxy in front of us (request smuggling), so it is refused with 400.
bool badTransferEncoding(const http::request_parser<http::string_body>& parser) {
  const auto& req = parser.get();
  auto [first, last] = req.equal_range(http::field::transfer_encoding);
  if (first == last) {
    return false;
  }
  if (std::next(first) != last || req.version() < 11 ||
      req.find(http::field::content_length) != req.end()) {
    return true;
  }
  return !common::iequals(
      common::trim(std::string_view(first->value().data(), first->value().size())), "chunked");
}

// Cancels the connection's reads when a deadline passes (Beast's own expiry would close the
// socket, leaving no way to answer 408). Re-arming invalidates an expiry already queued.
class ReadDeadline {
public:
  explicit ReadDeadline(std::shared_ptr<Connection> conn)
      : conn_(std::move(conn)), timer_(conn_->stream.get_executor()),
        state_(std::make_shared<State>()) {}
  ~ReadDeadline() { cancel(); }
  ReadDeadline(const ReadDeadline&) = delete;
  ReadDeadline& operator=(const ReadDeadline&) = delete;

  void arm(std::chrono::steady_clock::time_point at) {
    ++state_->generation;
    timer_.expires_at(at);
    timer_.async_wait([conn = conn_, state = state_,
                       generation = state_->generation](const beast::error_code& ec) {
      if (!ec && generation == state->generation) {
        state->fired = true;
        beast::error_code ignored;
        conn->stream.socket().cancel(ignored);
      }
    });
  }
  void cancel() {
    ++state_->generation;
    timer_.cancel();
  }
  bool fired() const { return state_->fired; }

private:
  struct State {
    std::uint64_t generation = 0;
    bool fired = false;
  };
  std::shared_ptr<Connection> conn_;
  asio::steady_timer timer_;
  std::shared_ptr<State> state_;
};

Awaitable<void> serveConnection(std::shared_ptr<Impl> self, std::shared_ptr<Connection> conn) {
  const ServerLimits& limits = self->limits;
  auto& stream = conn->stream;
  const std::string remote = remoteAddressOf(*conn);
  beast::flat_buffer buffer;
  bool firstRequest = true;

  for (;;) {
    if (conn->closed || self->isStopping()) {
      co_return;
    }
    beast::error_code ec;
    if (!firstRequest && buffer.size() == 0) {
      // Between requests only the idle timeout applies; the request deadlines start with a byte.
      stream.expires_after(limits.idleTimeout);
      std::size_t n =
          co_await stream.async_read_some(buffer.prepare(4096), redirect_error(use_awaitable, ec));
      if (ec) {
        co_return;
      }
      buffer.commit(n);
    }
    // A new connection's clock starts when it was accepted: it gets no idle time at all.
    const auto start = firstRequest ? conn->acceptedAt : std::chrono::steady_clock::now();
    firstRequest = false;

    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(limits.maxHeaderBytes, std::numeric_limits<std::uint32_t>::max())));
    parser.body_limit(static_cast<std::uint64_t>(limits.maxBodyBytes));
    stream.expires_never();
    ReadDeadline deadline(conn);
    deadline.arm(start + std::min(limits.headerTimeout, limits.requestTimeout));
    co_await http::async_read_header(stream, buffer, parser, redirect_error(use_awaitable, ec));
    bool badFraming = !ec && badTransferEncoding(parser);
    if (!ec && !badFraming && !parser.is_done()) {
      deadline.arm(start + limits.requestTimeout);
      if (expectsContinue(parser)) {
        co_await asio::async_write(stream,
                                   asio::buffer(std::string_view("HTTP/1.1 100 Continue\r\n\r\n")),
                                   redirect_error(use_awaitable, ec));
      }
      if (!ec) {
        co_await http::async_read(stream, buffer, parser, redirect_error(use_awaitable, ec));
      }
    }
    deadline.cancel();
    if (ec && deadline.fired()) {
      ec = beast::error::timeout;
    }
    if (ec) {
      int status = statusForReadError(ec);
      if (status == 408 && !parser.got_some() && buffer.size() == 0) {
        status = 0; // nothing of a request came: just close
      }
      if (status != 0 && !conn->closed) {
        co_await writeErrorAndClose(*self, *conn, status);
      }
      co_return;
    }
    if (badFraming) {
      co_await writeErrorAndClose(*self, *conn, 400, parser.get().method() == http::verb::head);
      co_return;
    }

    auto req = parser.release();
    ServerRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    request.httpVersion = req.version() >= 11 ? 11 : 10;
    request.remoteAddress = remote;
    request.client = conn->client;
    const bool head = request.method == "HEAD";
    if (!parseTarget(request.target, request)) {
      co_await writeErrorAndClose(*self, *conn, 400, head);
      co_return;
    }
    for (const auto& field : req) {
      request.headers.add(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(req.body());

    // A reserved slot serves one request: it must be free again for the next newcomer.
    const bool keepAlive = req.keep_alive() && !conn->reserve && !self->isStopping();
    ConnectionWriter writer(*self, conn, request.httpVersion, keepAlive, head);
    std::string failure;
    try {
      co_await self->handler(request, writer);
    } catch (const std::exception& e) {
      failure = e.what();
    } catch (...) {
      failure = "unknown exception";
    }
    conn->onClose = nullptr; // the handler is done; its callback must not outlive it
    if (!failure.empty() || !writer.responded()) {
      common::logRecord(spdlog::level::err, "http request failed",
                        {{"method", request.method},
                         {"path", request.path},
                         {"remote", remote},
                         {"error", failure.empty() ? "handler sent no response" : failure}});
      if (writer.responded() || conn->closed) {
        co_return; // a partial response cannot be repaired; closing tells the client
      }
      co_await writeErrorAndClose(*self, *conn, 500, head);
      co_return;
    }
    if (writer.failed() || writer.streamed() || !writer.keepAlive()) {
      co_return;
    }
  }
}

class Unregister {
public:
  Unregister(std::shared_ptr<Impl> server, std::uint64_t id, std::string client)
      : server_(std::move(server)), id_(id), client_(std::move(client)) {}
  ~Unregister() {
    std::lock_guard lock(server_->mutex);
    server_->connections.erase(id_);
    auto it = server_->perClient.find(client_);
    if (it != server_->perClient.end() && --it->second == 0) {
      server_->perClient.erase(it);
    }
  }
  Unregister(const Unregister&) = delete;
  Unregister& operator=(const Unregister&) = delete;

private:
  std::shared_ptr<Impl> server_;
  std::uint64_t id_;
  std::string client_;
};

Awaitable<void> runConnection(std::shared_ptr<Impl> self, std::shared_ptr<Connection> conn) {
  Unregister unregister(self, conn->id, conn->client);
  try {
    co_await serveConnection(self, conn);
  } catch (const std::exception& e) {
    common::logRecord(spdlog::level::warn, "http connection failed", {{"error", e.what()}});
  }
  conn->closeNow();
}

// Over a connection limit: answer without allocating a coroutine, then close.
void rejectBusy(tcp::socket& socket, Admission why) {
  static constexpr std::string_view kBusy = "HTTP/1.1 503 Service Unavailable\r\n"
                                            "Content-Type: text/plain; charset=utf-8\r\n"
                                            "Retry-After: 1\r\n"
                                            "Connection: close\r\n"
                                            "Content-Length: 21\r\n"
                                            "\r\n"
                                            "too many connections\n";
  static constexpr std::string_view kClientBusy = "HTTP/1.1 429 Too Many Requests\r\n"
                                                  "Content-Type: text/plain; charset=utf-8\r\n"
                                                  "Retry-After: 1\r\n"
                                                  "Connection: close\r\n"
                                                  "Content-Length: 38\r\n"
                                                  "\r\n"
                                                  "too many connections from this client\n";
  beast::error_code ec;
  socket.non_blocking(true, ec);
  socket.write_some(asio::buffer(why == Admission::ClientBusy ? kClientBusy : kBusy), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

Awaitable<void> acceptLoop(std::shared_ptr<Impl> self) {
  for (;;) {
    tcp::socket socket{asio::any_io_executor(asio::make_strand(self->executor))};
    beast::error_code ec;
    co_await self->acceptor.async_accept(socket, redirect_error(use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !self->acceptor.is_open() || self->isStopping()) {
        co_return;
      }
      // Transient (out of file descriptors, aborted handshake): back off briefly, keep serving.
      common::logRecord(spdlog::level::warn, "http accept failed", {{"error", ec.message()}});
      asio::steady_timer pause(self->acceptorStrand, std::chrono::milliseconds(50));
      co_await pause.async_wait(redirect_error(use_awaitable, ec));
      continue;
    }
    auto peer = socket.remote_endpoint(ec);
    if (ec) {
      socket.close(ec); // gone already
      continue;
    }
    std::string client = clientKeyOf(peer.address());
    std::shared_ptr<Connection> conn;
    Admission admission;
    {
      std::lock_guard lock(self->mutex);
      if (self->stopping) {
        socket.close(ec);
        co_return;
      }
      auto mine = self->perClient.find(client);
      admission = admit(self->limits, self->connections.size(),
                        mine == self->perClient.end() ? 0 : mine->second);
      if (admission == Admission::Normal || admission == Admission::Reserve) {
        conn = std::make_shared<Connection>(std::move(socket), self->nextId++, client,
                                            admission == Admission::Reserve);
        self->connections.emplace(conn->id, conn);
        ++self->perClient[client];
      }
    }
    if (!conn) {
      rejectBusy(socket, admission);
      continue;
    }
    asio::co_spawn(conn->stream.get_executor(), runConnection(self, conn), asio::detached);
  }
}

} // namespace

Admission admit(const ServerLimits& limits, std::size_t open, std::size_t fromClient) {
  const std::size_t reserved = std::min(limits.reservedConnections, limits.maxConnections);
  const bool clientOk =
      limits.maxConnectionsPerClient == 0 || fromClient < limits.maxConnectionsPerClient;
  if (clientOk && open < limits.maxConnections - reserved) {
    return Admission::Normal;
  }
  if (fromClient == 0 && open < limits.maxConnections) {
    return Admission::Reserve;
  }
  return clientOk ? Admission::ServerBusy : Admission::ClientBusy;
}

HttpServer::HttpServer(asio::any_io_executor executor, Handler handler, ServerLimits limits)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(handler), std::move(limits))) {}

HttpServer::~HttpServer() {
  stop();
}

common::Expected<std::uint16_t, std::string> HttpServer::listen(std::string_view host,
                                                                std::uint16_t port) {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.mutex);
    if (s.listening || s.stopping) {
      return common::unexpected(std::string("listen: the server was already started"));
    }
    s.listening = true;
  }
  const std::string where = fmt::format("listen {}:{}", host, port);
  if (host.empty()) {
    return common::unexpected(where + ": empty host");
  }
  beast::error_code ec;
  tcp::endpoint endpoint;
  auto address = asio::ip::make_address(std::string(host), ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, port);
  } else {
    tcp::resolver resolver(s.executor);
    auto results = resolver.resolve(std::string(host), std::to_string(port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || results.empty()) {
      return common::unexpected(
          where + ": cannot resolve host: " + (ec ? ec.message() : std::string("no address")));
    }
    endpoint = results.begin()->endpoint();
  }
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    s.acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    beast::error_code ignored;
    s.acceptor.close(ignored);
    return common::unexpected(where + ": " + ec.message());
  }
  auto bound = s.acceptor.local_endpoint(ec);
  if (ec) {
    return common::unexpected(where + ": " + ec.message());
  }
  s.boundPort = bound.port();
  asio::co_spawn(s.acceptorStrand, acceptLoop(impl_), asio::detached);
  return bound.port();
}

std::uint16_t HttpServer::port() const {
  return impl_->boundPort;
}

void HttpServer::stop() {
  auto self = impl_;
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::lock_guard lock(self->mutex);
    self->stopping = true;
    for (auto& [id, weak] : self->connections) {
      if (auto c = weak.lock()) {
        live.push_back(std::move(c));
      }
    }
  }
  asio::post(self->acceptorStrand, [self] {
    beast::error_code ec;
    self->acceptor.close(ec);
  });
  for (auto& c : live) {
    asio::post(c->stream.get_executor(), [c] { c->closeNow(); });
  }
}

std::size_t HttpServer::connectionCount() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->connections.size();
}

} // namespace mcpwatch::net
