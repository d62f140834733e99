// Outbound HTTP/1.1 client on Beast, for the prober and every sink. The only header other modules
// include: Beast and Asio templates stay inside http_client.cpp so the build stays fast.
#pragma once

#include "common/asio.hpp"
#include "common/expected.hpp"
#include "common/url.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcpwatch::net {

using common::Url;

// Ordered header list with case-insensitive lookup (HTTP field names are case-insensitive).
class Headers {
public:
  void add(std::string name, std::string value);
  void set(std::string name, std::string value); // replaces every field of that name
  void remove(std::string_view name);
  std::optional<std::string> get(std::string_view name) const; // the first field of that name
  std::vector<std::string> getAll(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

enum class NetErrorKind {
  DnsError,              // name did not resolve
  ConnectRefused,        // RST on connect, or no address accepted the connection
  ConnectTimeout,        // deadline reached while connecting
  TlsError,              // TLS handshake failed for a reason other than the certificate
  TlsCertificateInvalid, // verification failed: expired, self-signed, wrong host, untrusted
  Timeout,               // deadline reached after connecting (writing, waiting, reading)
  ConnectionClosed,      // reset or EOF before the response (or its body) was complete
  ResponseTooLarge,      // body (or headers) over the configured cap
  MalformedResponse,     // not parseable as HTTP/1.x
  Cancelled,             // Client::cancel() was called
  LocalResource,         // this process could not open a socket (file descriptors, memory)
};
std::string_view toString(NetErrorKind kind);

struct NetError {
  NetErrorKind kind;
  std::string detail; // one human line, e.g. "connect to 127.0.0.1:8080: Connection refused"
};

template <class T> using NetResult = common::Expected<T, NetError>;

using Deadline = std::chrono::steady_clock::time_point;

// Set only for the request that opened a new connection (a reused connection costs nothing).
struct ConnectTimings {
  std::optional<double> dnsMs;
  std::optional<double> connectMs;
  std::optional<double> tlsMs;
  std::optional<bool> tlsResumed; // https: the handshake resumed an earlier session
};

struct TlsCertificate {
  std::chrono::system_clock::time_point notAfter;
  std::string subject; // one-line subject, e.g. "CN=example.com"
};

struct Request {
  std::string method = "POST";
  Url url;
  Headers headers; // Host, User-Agent and Content-Length are added by the client
  std::string body;
};

struct ResponseHead {
  int status = 0;
  Headers headers;
  ConnectTimings connect;
  std::optional<TlsCertificate> certificate; // the peer's leaf certificate for https
  double firstByteMs = 0;                    // from send start to the response headers
};

struct Response {
  ResponseHead head;
  std::string body;
  double totalMs = 0; // from send start to the last body byte
};

// The body of a response opened with Client::open, read chunk by chunk (chunked transfer
// decoding is done). Reads end at the deadline given to open() or the earlier one given here.
class BodyStream {
public:
  virtual ~BodyStream() = default;
  // The next piece of the body; nullopt means the body ended cleanly.
  virtual Awaitable<NetResult<std::optional<std::string>>> next() = 0;
  virtual Awaitable<NetResult<std::optional<std::string>>> next(Deadline earlier) = 0;
  // Bytes delivered so far.
  virtual std::size_t bytesRead() const = 0;
  // Drops the connection (it is not reused). Also done by the destructor.
  virtual void close() = 0;
};

struct StreamResponse {
  ResponseHead head;
  std::unique_ptr<BodyStream> body;
};

struct ClientOptions {
  bool verifyTls = true; // certificate chain and host name; SNI always sent
  // PEM file of trust anchors used instead of the system store; empty: the system store.
  std::string caFile;
  // Offer the session of the last handshake with the same origin (TLS 1.2 ids, TLS 1.3
  // tickets): a resumed handshake skips the certificate exchange and most of its CPU.
  bool tlsSessionResumption = true;
  std::size_t maxBodyBytes = 4 * 1024 * 1024; // send(): larger bodies fail ResponseTooLarge
  std::size_t maxHeaderBytes = 64 * 1024;
  std::string userAgent = "mcpwatch/" MCPWATCH_VERSION;
  bool keepAlive = true; // reuse one idle connection per origin between send() calls
};

// TLS client contexts are process-wide: one per (verifyTls, caFile), built on the first https
// connection that needs it (an http:// request never touches TLS), shared by every Client and
// thread, with a bounded cache of resumable sessions per origin. SNI and host-name verification
// stay per connection.
struct TlsContextStats {
  std::uint64_t contextsBuilt = 0; // CA store reads: once per (verifyTls, caFile) and reload
  std::uint64_t handshakes = 0;    // completed TLS handshakes
  std::uint64_t resumed = 0;       // of which resumed an earlier session
  std::size_t cachedSessions = 0;  // resumable sessions held now (bounded)
};
TlsContextStats tlsContextStats();
// Drops every context and cached session: the next https connection reads the CA store (and CA
// files) again. Connections already open keep their context. Called on SIGHUP.
void reloadTlsTrust();

// One client per probe (or per sink): it owns its idle connections. Not thread safe; use it from
// one strand. Redirects are never followed: a 3xx is returned as a response.
class Client {
public:
  Client(asio::any_io_executor executor, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends the request and reads the whole response body (capped at maxBodyBytes).
  Awaitable<NetResult<Response>> send(Request request, Deadline deadline);

  // Sends the request and returns when the response headers have arrived; the body is read
  // through StreamResponse::body (never capped there: the caller counts). The connection is
  // used by this stream only.
  Awaitable<NetResult<StreamResponse>> open(Request request, Deadline deadline);

  // Closes every connection of this client; pending operations finish with Cancelled.
  void cancel();

private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

} // namespace mcpwatch::net
