// Inbound HTTP/1.1 server on Beast (demo MCP server now, the daemon's web UI and APIs later).
// Beast stays inside http_server.cpp; this header only needs the Asio wrapper.
#pragma once

#include "common/asio.hpp"
#include "common/expected.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcpwatch::net {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Request header fields in arrival order with case-insensitive lookup.
class HeaderFields {
public:
  void add(std::string name, std::string value);
  std::optional<std::string> get(std::string_view name) const; // the first field of that name
  bool has(std::string_view name) const { return get(name).has_value(); }
  const HeaderList& entries() const { return entries_; }

private:
  HeaderList entries_;
};

struct ServerRequest {
  std::string method; // as sent, e.g. "GET"
  std::string target; // raw request target, e.g. "/message?sessionId=abc"
  // The percent-decoded path without the query, except that an encoded '/' stays "%2F": it is
  // part of its segment and can never act as a separator. Route by `segments` when a segment
  // may hold any byte.
  std::string path;
  // The path split on '/' first and then decoded segment by segment ("/a%2Fb/c" -> {"a/b", "c"});
  // empty segments ("//", a trailing '/') are kept, so "/" is {""}.
  std::vector<std::string> segments;
  std::string rawQuery;                                         // the part after '?', undecoded
  std::vector<std::pair<std::string, std::string>> queryParams; // decoded, in order
  HeaderFields headers;
  std::string body;
  std::string remoteAddress; // "127.0.0.1:50312"
  // Who the connection limits count this client as: the IPv4 address ("127.0.0.1"), or the
  // IPv6 /64 prefix ("2001:db8:1:2::/64"); an IPv4-mapped IPv6 address counts as IPv4.
  std::string client;
  unsigned httpVersion = 11; // 10 or 11

  // The first query parameter of that name (names are case-sensitive), decoded.
  std::optional<std::string> query(std::string_view name) const;
  std::optional<std::string> header(std::string_view name) const { return headers.get(name); }
};

struct ServerResponse {
  int status = 200;
  HeaderList headers; // Content-Length and Connection are managed by the server
  std::string body;

  static ServerResponse text(int status, std::string body);       // text/plain; charset=utf-8
  static ServerResponse json(int status, std::string body);       // application/json
  ServerResponse& with(std::string name, std::string value);      // appends a header
  std::optional<std::string> header(std::string_view name) const; // case-insensitive
};

// How a handler answers: either one full response (send) or a streamed one (startStream, then
// write any number of times, then endStream). A streamed response uses chunked encoding and ends
// the connection afterwards. Header names or values containing CR, LF or NUL are refused (the
// call throws std::invalid_argument, which the server turns into a 500).
class ResponseWriter {
public:
  virtual ~ResponseWriter() = default;
  // Sends a complete response. Throws std::logic_error if a response was already started.
  virtual Awaitable<void> send(ServerResponse response) = 0;
  // Sends the status line and headers of a streamed response. False if the client is gone.
  virtual Awaitable<bool> startStream(int status, HeaderList headers) = 0;
  // Writes one piece of the streamed body. False once the client is gone or the server stops.
  virtual Awaitable<bool> write(std::string_view data) = 0;
  // Ends the streamed body; the connection is then closed.
  virtual Awaitable<void> endStream() = 0;
  // False once the client disconnected (noticed while streaming) or the server is stopping.
  virtual bool open() const = 0;
  // Called once, on the connection's strand, when open() becomes false during a stream. Lets a
  // handler that waits for something else (a queue, a timer) wake up and finish. If the
  // connection is already gone it runs at once, inside onClose: check open() before waiting.
  virtual void onClose(std::function<void()> callback) = 0;
  virtual bool responded() const = 0;
};

// Runs on the connection's strand. An exception thrown before anything was sent becomes a 500;
// the server keeps serving other connections either way.
using Handler = std::function<Awaitable<void>(const ServerRequest&, ResponseWriter&)>;

struct ServerLimits {
  std::size_t maxHeaderBytes = 16 * 1024;           // larger -> 431 and close
  std::size_t maxBodyBytes = 1024 * 1024;           // larger -> 413 and close
  std::chrono::milliseconds requestTimeout{10'000}; // first byte to full request, else 408
  // A new connection must deliver a complete request header this soon after it was accepted
  // (a kept-alive one, this soon after the next request's first byte). Otherwise the connection
  // is closed: silently when nothing came, with 408 after part of a request. Idle connections
  // that never send a byte so hold a slot only this long.
  std::chrono::milliseconds headerTimeout{10'000};
  std::chrono::milliseconds idleTimeout{60'000};  // keep-alive wait for the next request
  std::chrono::milliseconds writeTimeout{10'000}; // per write to the client
  std::size_t maxConnections = 512;               // beyond -> immediate 503 and close
  // Connections one client (ServerRequest::client) may hold at once; beyond -> immediate 429
  // and close. 0: no limit.
  std::size_t maxConnectionsPerClient = 0;
  // The last slots of maxConnections: given only to a client that holds no other connection,
  // and such a connection serves one request and is closed. So clients that hold many
  // connections cannot take every slot, and a newcomer still gets an answer.
  std::size_t reservedConnections = 0;
  std::string serverHeader = "mcpwatch/" MCPWATCH_VERSION; // empty: no Server header
};

// Whether a new connection is served, given the limits, the connections open now (`open`) and
// how many of them belong to the same client (`fromClient`).
enum class Admission { Normal, Reserve, ServerBusy, ClientBusy };
Admission admit(const ServerLimits& limits, std::size_t open, std::size_t fromClient);

// Accepts connections on one address and runs `handler` for every request. Connections run on
// their own strands of `executor`, so a multi-threaded io_context is fine. Thread safe: stop()
// may be called from any thread.
class HttpServer {
public:
  HttpServer(asio::any_io_executor executor, Handler handler, ServerLimits limits = {});
  ~HttpServer(); // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting. `host` is an IP literal or a name resolved once (e.g.
  // "localhost"); port 0 picks a free port. Returns the bound port. Call once.
  common::Expected<std::uint16_t, std::string> listen(std::string_view host, std::uint16_t port);
  std::uint16_t port() const;
  // Closes the listener and every connection (streams see open() == false). Idempotent.
  void stop();
  std::size_t connectionCount() const;

  struct Impl; // implementation detail, public only so http_server.cpp's helpers can name it

private:
  std::shared_ptr<Impl> impl_;
};

// "%41b" -> "Ab". Invalid escapes ("%4", "%zz") make it fail. With plusIsSpace (query strings),
// '+' decodes to a space.
std::optional<std::string> percentDecode(std::string_view text, bool plusIsSpace);
// "a=1&b=x%20y" -> {{"a","1"},{"b","x y"}}; an invalid escape keeps that part undecoded.
std::vector<std::pair<std::string, std::string>> parseQuery(std::string_view query);
// Fills path, segments, rawQuery and queryParams of `out` from a request target (origin form
// "/p?q" or absolute form "http://h/p?q"). False when it is unusable (no leading '/', an invalid
// escape, an encoded NUL); the server answers those with 400.
bool parseTarget(std::string_view target, ServerRequest& out);

} // namespace mcpwatch::net
