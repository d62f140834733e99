// Outbound HTTP/1.1 client on Beast: deadlines on every step, TLS verification, keep-alive,
// streams.
// clang-format off
#include <utility> // before common/asio.hpp: Boost 1.74's awaitable.hpp uses std::exchange
// clang-format on
#include "net/http_client.hpp"

#include "common/strings.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <ctime>
#include <limits>
#include <map>
#include <mutex>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unordered_map>

namespace mcpwatch::net {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using ErrorCode = boost::system::error_code;

std::string_view toString(NetErrorKind kind) {
  switch (kind) {
  case NetErrorKind::DnsError:
    return "dns_error";
  case NetErrorKind::ConnectRefused:
    return "connect_refused";
  case NetErrorKind::ConnectTimeout:
    return "connect_timeout";
  case NetErrorKind::TlsError:
    return "tls_error";
  case NetErrorKind::TlsCertificateInvalid:
    return "tls_certificate_invalid";
  case NetErrorKind::Timeout:
    return "timeout";
  case NetErrorKind::ConnectionClosed:
    return "connection_closed";
  case NetErrorKind::ResponseTooLarge:
    return "response_too_large";
  case NetErrorKind::MalformedResponse:
    return "malformed_response";
  case NetErrorKind::Cancelled:
    return "cancelled";
  case NetErrorKind::LocalResource:
    return "local_resource";
  }
  return "unknown";
}

// ---- Headers ------------------------------------------------------------------------------------

void Headers::add(std::string name, std::string value) {
  entries_.emplace_back(std::move(name), std::move(value));
}

void Headers::set(std::string name, std::string value) {
  remove(name);
  add(std::move(name), std::move(value));
}

void Headers::remove(std::string_view name) {
  std::erase_if(entries_, [&](const auto& e) { return common::iequals(e.first, name); });
}

std::optional<std::string> Headers::get(std::string_view name) const {
  for (const auto& [n, v] : entries_) {
    if (common::iequals(n, name))
      return v;
  }
  return std::nullopt;
}

std::vector<std::string> Headers::getAll(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : entries_) {
    if (common::iequals(n, name))
      out.push_back(v);
  }
  return out;
}

// ---- internals ----------------------------------------------------------------------------------

namespace {

NetError makeError(NetErrorKind kind, std::string detail) {
  return {kind, std::move(detail)};
}

double msSince(SteadyClock::time_point start) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
}

bool isHttpError(const ErrorCode& ec) {
  return ec.category() == make_error_code(http::error::end_of_stream).category();
}

bool isClosedError(const ErrorCode& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message ||
         ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::connection_aborted || ec == asio::error::broken_pipe ||
         ec == asio::error::not_connected || ec == ssl::error::stream_truncated;
}

// Errors that say this process, not the peer, ran out of something (EMFILE, ENFILE, ENOBUFS,
// ENOMEM): never the server's fault.
bool isLocalShortage(const ErrorCode& ec) {
  return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
         ec == asio::error::no_memory ||
         (ec.category() == boost::system::system_category() && ec.value() == ENFILE);
}

std::string endpointText(const Url& url) {
  return (url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host) + ":" +
         std::to_string(url.port);
}

// Something Client::cancel() (or the destructor) must be able to stop.
struct Abortable {
  virtual ~Abortable() = default;
  virtual void abort() = 0;
};

std::optional<TlsCertificate> peerCertificate(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr)
    return std::nullopt;
  TlsCertificate out;
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1) {
    out.notAfter = std::chrono::system_clock::from_time_t(timegm(&tm));
  }
  if (BIO* bio = BIO_new(BIO_s_mem())) {
    if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
      char* data = nullptr;
      long len = BIO_get_mem_data(bio, &data);
      if (data != nullptr && len > 0)
        out.subject.assign(data, static_cast<std::size_t>(len));
    }
    BIO_free(bio);
  }
  X509_free(cert);
  return out;
}

// ---- process-wide TLS contexts -------------------------------------------------------------

// Resumable sessions kept per context at most, and per origin: a fleet larger than this resumes
// only some of its https origins (the others do full handshakes, as without resumption). A
// TLS 1.3 server sends several tickets per connection, each for one use, so an origin probed by
// several probes at once (many MCP servers behind one host and port) keeps a few.
constexpr std::size_t kMaxCachedSessions = 10'000;
constexpr std::size_t kMaxSessionsPerOrigin = 4;

// One client SSL_CTX and its session cache. Connections hold it by shared_ptr, so a reload never
// pulls a context from under a handshake.
struct SharedTls {
  SharedTls() : context(ssl::context::tls_client) {}
  ~SharedTls() {
    for (auto& [origin, list] : sessions)
      for (SSL_SESSION* session : list)
        SSL_SESSION_free(session);
  }
  SharedTls(const SharedTls&) = delete;
  SharedTls& operator=(const SharedTls&) = delete;

  // The newest session cached for `origin`, removed from the cache (TLS 1.3 tickets are meant for
  // one use; the new connection's own tickets replace it). The caller owns the reference.
  SSL_SESSION* take(const std::string& origin) {
    std::lock_guard lock(mu);
    auto it = sessions.find(origin);
    if (it == sessions.end())
      return nullptr;
    SSL_SESSION* session = it->second.back();
    it->second.pop_back();
    --count;
    if (it->second.empty())
      sessions.erase(it);
    return session;
  }
  // Keeps `session` (its reference passes to the cache) to resume `origin` with; the oldest of
  // the origin's sessions, or another origin's, makes room.
  void put(const std::string& origin, SSL_SESSION* session) {
    std::lock_guard lock(mu);
    auto& list = sessions[origin];
    if (list.size() >= kMaxSessionsPerOrigin) {
      SSL_SESSION_free(list.front());
      list.erase(list.begin());
      --count;
    }
    list.push_back(session);
    ++count;
    if (count > kMaxCachedSessions) {
      auto victim = sessions.begin();
      if (victim->first == origin)
        ++victim;
      if (victim != sessions.end()) {
        count -= victim->second.size();
        for (SSL_SESSION* s : victim->second)
          SSL_SESSION_free(s);
        sessions.erase(victim);
      }
    }
  }
  std::size_t cached() {
    std::lock_guard lock(mu);
    return count;
  }

  ssl::context context;
  std::mutex mu;
  std::unordered_map<std::string, std::vector<SSL_SESSION*>> sessions;
  std::size_t count = 0;
};

struct TlsRegistry {
  std::mutex mu;
  std::map<std::pair<bool, std::string>, std::shared_ptr<SharedTls>> contexts;
  std::atomic<std::uint64_t> built{0};
  std::atomic<std::uint64_t> handshakes{0};
  std::atomic<std::uint64_t> resumed{0};
};

TlsRegistry& tlsRegistry() {
  static TlsRegistry registry;
  return registry;
}

// Where a connection's SSL object points to its origin, and a context to its SharedTls.
int originIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}
int sharedIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// OpenSSL calls this when a server sends a session (TLS 1.3: a ticket after the handshake, while
// the response is read). The cache keeps a copy: OpenSSL marks the connection's own session
// object unresumable when the connection is closed without a TLS shutdown, as probes do.
int onNewSession(SSL* ssl, SSL_SESSION* session) {
  auto* origin = static_cast<const std::string*>(SSL_get_ex_data(ssl, originIndex()));
  auto* shared = static_cast<SharedTls*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), sharedIndex()));
  if (origin == nullptr || shared == nullptr || SSL_SESSION_is_resumable(session) != 1)
    return 0;
  if (SSL_SESSION* copy = SSL_SESSION_dup(session))
    shared->put(*origin, copy);
  return 0; // the connection keeps its own reference
}

// The process's context for (verify, caFile), built on first use. A CA file that cannot be read
// is an error for this connection only (it is not cached: fixing the file fixes the next probe).
common::Expected<std::shared_ptr<SharedTls>, std::string> tlsContextFor(bool verify,
                                                                        const std::string& caFile) {
  auto& registry = tlsRegistry();
  std::lock_guard lock(registry.mu);
  auto key = std::make_pair(verify, verify ? caFile : std::string());
  if (auto it = registry.contexts.find(key); it != registry.contexts.end())
    return it->second;
  auto shared = std::make_shared<SharedTls>();
  SSL_CTX* ctx = shared->context.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  shared->context.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
  ErrorCode ec;
  if (!verify) {
    shared->context.set_verify_mode(ssl::verify_none, ec);
  } else {
    if (key.second.empty()) {
      shared->context.set_default_verify_paths(ec); // no CA store: verification fails later
    } else {
      shared->context.load_verify_file(key.second, ec);
      if (ec)
        return common::unexpected("CA file " + key.second + " could not be loaded (" +
                                  ec.message() + ")");
    }
    shared->context.set_verify_mode(ssl::verify_peer, ec);
  }
  SSL_CTX_set_ex_data(ctx, sharedIndex(), shared.get());
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx, onNewSession);
  registry.built.fetch_add(1, std::memory_order_relaxed);
  registry.contexts.emplace(std::move(key), shared);
  return shared;
}

// One HTTP connection, plain or TLS. Held by shared_ptr so a cancelled coroutine never touches a
// destroyed socket.
struct Conn final : Abortable {
  explicit Conn(const asio::any_io_executor& ex) : tcp(ex) {}

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : tcp; }
  void abort() override {
    ErrorCode ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close();
  }
  void expiresAt(Deadline deadline) { lowest().expires_at(deadline); }

  // An idle connection that the peer closed, or that has unexpected bytes waiting, must not be
  // reused. MSG_PEEK without blocking tells both apart from a healthy idle socket.
  bool looksUsable() {
    auto& socket = lowest().socket();
    if (!socket.is_open() || buffer.size() != 0)
      return false;
    char byte;
    ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  template <class F> auto withStream(F&& f) {
    if (tls)
      return f(*tls);
    return f(tcp);
  }

  // Declared before the streams so they outlive the SSL object that points to them.
  std::shared_ptr<SharedTls> sharedTls;
  std::string origin; // the session cache key
  beast::tcp_stream tcp;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  std::optional<TlsCertificate> certificate;
  std::string where; // "host:port" for error details
};

// The resolver has no timeout and cancelling it does not interrupt a running getaddrinfo, so the
// coroutine waits on a timer that the resolve handler cancels; on timeout the handler finishes
// later on this shared state.
struct ResolveState final : Abortable {
  explicit ResolveState(const asio::any_io_executor& ex) : resolver(ex), timer(ex) {}
  void abort() override {
    aborted = true;
    timer.cancel();
    resolver.cancel();
  }
  tcp::resolver resolver;
  asio::steady_timer timer;
  bool done = false;
  bool aborted = false;
  ErrorCode ec;
  tcp::resolver::results_type results;
};

// What a body stream needs from its client: whether cancel() happened since it was opened.
struct CancelState {
  std::uint64_t epoch = 0;
};

NetError cancelledError() {
  return {NetErrorKind::Cancelled, "request cancelled"};
}

using HeadParser = http::response_parser<http::empty_body>;

struct Head {
  std::shared_ptr<Conn> conn;
  std::unique_ptr<HeadParser> parser;
  ResponseHead head;
};

} // namespace

struct Client::Impl : std::enable_shared_from_this<Client::Impl> {
  Impl(asio::any_io_executor ex, ClientOptions opts)
      : executor(std::move(ex)), options(std::move(opts)) {}

  // Cancels everything in flight and every idle connection; operations see the epoch change.
  void abortAll() {
    ++cancelState->epoch;
    auto active = std::move(registry);
    registry.clear();
    for (auto& weak : active) {
      if (auto a = weak.lock())
        a->abort();
    }
    for (auto& [origin, conn] : idle)
      conn->abort();
    idle.clear();
  }

  void track(const std::shared_ptr<Abortable>& a) {
    std::erase_if(registry, [](const auto& w) { return w.expired(); });
    registry.push_back(a);
  }

  std::shared_ptr<Conn> takeIdle(const std::string& origin) {
    auto it = idle.find(origin);
    if (it == idle.end())
      return nullptr;
    auto conn = std::move(it->second);
    idle.erase(it);
    if (!conn->looksUsable()) {
      conn->abort();
      return nullptr;
    }
    track(conn);
    return conn;
  }

  void putIdle(const std::string& origin, std::shared_ptr<Conn> conn) {
    auto& slot = idle[origin];
    if (slot)
      slot->abort();
    slot = std::move(conn);
  }

  NetError cancelled() const { return cancelledError(); }
  std::uint64_t epoch() const { return cancelState->epoch; }

  static Awaitable<NetResult<std::shared_ptr<Conn>>> connect(std::shared_ptr<Impl> self, Url url,
                                                             Deadline deadline, std::uint64_t epoch,
                                                             ConnectTimings* timings);
  static Awaitable<NetResult<Head>> exchange(std::shared_ptr<Impl> self,
                                             const http::request<http::string_body>& req, Url url,
                                             Deadline deadline, bool streaming,
                                             SteadyClock::time_point start, std::uint64_t epoch);
  static Awaitable<NetResult<Response>> send(std::shared_ptr<Impl> self, Request request,
                                             Deadline deadline);
  static Awaitable<NetResult<StreamResponse>> open(std::shared_ptr<Impl> self, Request request,
                                                   Deadline deadline);

  asio::any_io_executor executor;
  ClientOptions options;
  std::shared_ptr<CancelState> cancelState = std::make_shared<CancelState>();
  std::vector<std::weak_ptr<Abortable>> registry;
  std::map<std::string, std::shared_ptr<Conn>> idle;
};

namespace {

// Maps a failure after the connection was established (write, read) to a NetError.
NetError ioError(const ErrorCode& ec, std::string_view what, const std::string& where,
                 std::size_t bodyLimit, std::size_t headerLimit) {
  std::string prefix = std::string(what) + " " + where + ": ";
  if (ec == beast::error::timeout)
    return makeError(NetErrorKind::Timeout, prefix + "timed out");
  if (ec == http::error::body_limit)
    return makeError(NetErrorKind::ResponseTooLarge,
                     prefix + "body exceeds " + std::to_string(bodyLimit) + " bytes");
  if (ec == http::error::header_limit)
    return makeError(NetErrorKind::ResponseTooLarge,
                     prefix + "headers exceed " + std::to_string(headerLimit) + " bytes");
  if (isClosedError(ec))
    return makeError(NetErrorKind::ConnectionClosed,
                     prefix + "connection closed (" + ec.message() + ")");
  if (isHttpError(ec))
    return makeError(NetErrorKind::MalformedResponse,
                     prefix + "invalid HTTP (" + ec.message() + ")");
  return makeError(NetErrorKind::ConnectionClosed, prefix + ec.message());
}

http::request<http::string_body> buildRequest(const Request& request, const ClientOptions& options,
                                              bool keepAlive) {
  http::request<http::string_body> req;
  http::verb verb = http::string_to_verb(request.method);
  if (verb == http::verb::unknown) {
    req.method_string(request.method);
  } else {
    req.method(verb);
  }
  req.target(request.url.target);
  req.version(11);
  req.set(http::field::host, request.url.hostHeader());
  bool userAgentGiven = false;
  for (const auto& [name, rawValue] : request.headers.entries()) {
    // Leading and trailing whitespace is not part of a field value (RFC 9110 5.5); trimming it
    // forgives the classic token read from a file or variable with a trailing newline.
    std::string_view value = rawValue;
    while (!value.empty() && std::string_view(" \t\r\n").find(value.front()) != value.npos)
      value.remove_prefix(1);
    while (!value.empty() && std::string_view(" \t\r\n").find(value.back()) != value.npos)
      value.remove_suffix(1);
    auto bad = [](std::string_view s) {
      return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
    };
    // A CR or LF inside would let a value inject further headers or a second request. That is a
    // caller bug (config validation rejects it), so it throws; the value is never echoed.
    if (name.empty() || bad(name) || bad(value) || name.find_first_of(": \t") != std::string::npos)
      throw std::invalid_argument("request header " +
                                  (bad(name) ? std::string("name") : "\"" + name + "\"") +
                                  ": contains CR, LF, NUL or (in the name) a colon or whitespace");
    if (common::iequals(name, "host") || common::iequals(name, "content-length") ||
        common::iequals(name, "transfer-encoding"))
      continue;
    if (common::iequals(name, "user-agent"))
      userAgentGiven = true;
    req.insert(name, beast::string_view(value.data(), value.size()));
  }
  if (!userAgentGiven)
    req.set(http::field::user_agent, options.userAgent);
  req.body() = request.body;
  bool hasBody = !request.body.empty() || verb == http::verb::post || verb == http::verb::put ||
                 verb == http::verb::patch;
  if (hasBody)
    req.prepare_payload();
  req.keep_alive(keepAlive);
  return req;
}

std::string verifyReason(SSL* ssl) {
  long result = SSL_get_verify_result(ssl);
  if (result == X509_V_OK)
    return {};
  std::string reason = X509_verify_cert_error_string(result);
  if (result == X509_V_ERR_CERT_HAS_EXPIRED) {
    // How long ago the server's own certificate expired, for a person reading the alert. The
    // peer chain is kept even when verification failed (the leaf is its first entry).
    STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
    X509* leaf = chain != nullptr && sk_X509_num(chain) > 0 ? sk_X509_value(chain, 0) : nullptr;
    int days = 0;
    int seconds = 0;
    if (leaf != nullptr &&
        ASN1_TIME_diff(&days, &seconds, X509_get0_notAfter(leaf), nullptr) == 1 &&
        (days > 0 || (days == 0 && seconds >= 0)))
      reason += days == 0   ? " (today)"
                : days == 1 ? " (1 day ago)"
                            : " (" + std::to_string(days) + " days ago)";
  }
  return reason;
}

} // namespace

Awaitable<NetResult<std::shared_ptr<Conn>>> Client::Impl::connect(std::shared_ptr<Impl> self,
                                                                  Url url, Deadline deadline,
                                                                  std::uint64_t epoch,
                                                                  ConnectTimings* timings) {
  const std::string where = endpointText(url);
  auto t0 = SteadyClock::now();
  // Beast's per-operation timer races the operation, and a loopback connect can win even against
  // a deadline in the past; checking first keeps "no step starts after the deadline" exact.
  auto expired = [&](std::string_view step) -> std::optional<NetError> {
    if (SteadyClock::now() < deadline)
      return std::nullopt;
    return makeError(NetErrorKind::ConnectTimeout, std::string(step) + " " + where + ": timed out");
  };
  if (auto e = expired("connect to"))
    co_return common::unexpected(std::move(*e));

  // 1. Addresses. IP literals skip the resolver (and its helper thread) entirely.
  std::vector<tcp::endpoint> endpoints;
  ErrorCode ec;
  auto literal = asio::ip::make_address(url.host, ec);
  if (!ec) {
    endpoints.emplace_back(literal, url.port);
  } else {
    auto state = std::make_shared<ResolveState>(self->executor);
    self->track(state);
    state->timer.expires_at(deadline);
    state->resolver.async_resolve(
        url.host, std::to_string(url.port),
        [state](const ErrorCode& rec, tcp::resolver::results_type results) {
          state->done = true;
          state->ec = rec;
          state->results = std::move(results);
          state->timer.cancel();
        });
    ErrorCode timerEc;
    if (!state->done)
      co_await state->timer.async_wait(redirect_error(use_awaitable, timerEc));
    if (self->epoch() != epoch || state->aborted)
      co_return common::unexpected(self->cancelled());
    if (!state->done) {
      state->resolver.cancel();
      co_return common::unexpected(
          makeError(NetErrorKind::ConnectTimeout, "resolve " + url.host + ": timed out"));
    }
    if (state->ec || state->results.empty()) {
      std::string reason = state->ec ? state->ec.message() : "no addresses";
      co_return common::unexpected(
          makeError(NetErrorKind::DnsError, "resolve " + url.host + ": " + reason));
    }
    for (const auto& entry : state->results)
      endpoints.push_back(entry.endpoint());
  }
  auto t1 = SteadyClock::now();

  // 2. TCP: every address in turn, all under the same deadline.
  std::shared_ptr<Conn> conn;
  std::string lastReason = "no address accepted the connection";
  for (const auto& endpoint : endpoints) {
    if (auto e = expired("connect to"))
      co_return common::unexpected(std::move(*e));
    auto attempt = std::make_shared<Conn>(self->executor);
    attempt->where = where;
    self->track(attempt);
    attempt->tcp.expires_at(deadline);
    co_await attempt->tcp.async_connect(endpoint, redirect_error(use_awaitable, ec));
    if (self->epoch() != epoch)
      co_return common::unexpected(self->cancelled());
    if (!ec) {
      conn = std::move(attempt);
      break;
    }
    if (ec == beast::error::timeout)
      co_return common::unexpected(
          makeError(NetErrorKind::ConnectTimeout, "connect to " + where + ": timed out"));
    if (isLocalShortage(ec))
      co_return common::unexpected(
          makeError(NetErrorKind::LocalResource,
                    "connect to " + where + ": mcpwatch could not open a socket (" + ec.message() +
                        "; see the file descriptor limit in the log)"));
    lastReason = ec.message();
  }
  if (!conn)
    co_return common::unexpected(
        makeError(NetErrorKind::ConnectRefused, "connect to " + where + ": " + lastReason));
  conn->tcp.socket().set_option(tcp::no_delay(true), ec);
  auto t2 = SteadyClock::now();

  // 3. TLS.
  if (url.https()) {
    auto shared = tlsContextFor(self->options.verifyTls, self->options.caFile);
    if (!shared) {
      conn->abort();
      co_return common::unexpected(
          makeError(NetErrorKind::TlsError, "TLS with " + where + ": " + shared.error()));
    }
    conn->sharedTls = std::move(shared.value());
    conn->origin = url.origin();
    conn->tls.emplace(std::move(conn->tcp), conn->sharedTls->context);
    SSL* ssl = conn->tls->native_handle();
    if (self->options.tlsSessionResumption) {
      SSL_set_ex_data(ssl, originIndex(), &conn->origin);
      if (SSL_SESSION* session = conn->sharedTls->take(conn->origin)) {
        SSL_set_session(ssl, session);
        SSL_SESSION_free(session);
      }
    }
    ErrorCode addrEc;
    asio::ip::make_address(url.host, addrEc);
    const bool ipLiteral = !addrEc;
    if (!ipLiteral)
      SSL_set_tlsext_host_name(ssl, url.host.c_str());
    if (self->options.verifyTls) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      if (ipLiteral) {
        X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str());
      } else {
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), url.host.size());
      }
    }
    conn->expiresAt(deadline);
    co_await conn->tls->async_handshake(ssl::stream_base::client,
                                        redirect_error(use_awaitable, ec));
    if (self->epoch() != epoch)
      co_return common::unexpected(self->cancelled());
    if (ec) {
      std::string prefix = "TLS handshake with " + where + ": ";
      if (ec == beast::error::timeout)
        co_return common::unexpected(makeError(NetErrorKind::Timeout, prefix + "timed out"));
      std::string reason = self->options.verifyTls ? verifyReason(ssl) : std::string();
      if (!reason.empty())
        co_return common::unexpected(makeError(NetErrorKind::TlsCertificateInvalid,
                                               prefix + "certificate verify failed: " + reason));
      co_return common::unexpected(makeError(NetErrorKind::TlsError, prefix + ec.message()));
    }
    conn->certificate = peerCertificate(ssl);
    auto& registry = tlsRegistry();
    registry.handshakes.fetch_add(1, std::memory_order_relaxed);
    if (SSL_session_reused(ssl) == 1)
      registry.resumed.fetch_add(1, std::memory_order_relaxed);
    if (timings != nullptr)
      timings->tlsResumed = SSL_session_reused(ssl) == 1;
  }
  auto t3 = SteadyClock::now();

  if (timings != nullptr) {
    using Ms = std::chrono::duration<double, std::milli>;
    timings->dnsMs = Ms(t1 - t0).count();
    timings->connectMs = Ms(t2 - t1).count();
    if (url.https())
      timings->tlsMs = Ms(t3 - t2).count();
  }
  co_return conn;
}

// Writes the request and reads the response head, on an idle connection when there is one; a
// reused connection that fails before any response byte arrived is retried once on a new one.
Awaitable<NetResult<Head>> Client::Impl::exchange(std::shared_ptr<Impl> self,
                                                  const http::request<http::string_body>& req,
                                                  Url url, Deadline deadline, bool streaming,
                                                  SteadyClock::time_point start,
                                                  std::uint64_t epoch) {
  const std::string origin = url.origin();
  const std::size_t headerLimit = self->options.maxHeaderBytes;
  for (int attempt = 0; attempt < 2; ++attempt) {
    Head result;
    std::shared_ptr<Conn> conn;
    if (attempt == 0 && self->options.keepAlive)
      conn = self->takeIdle(origin);
    const bool reused = conn != nullptr;
    if (!conn) {
      auto made = co_await connect(self, url, deadline, epoch, &result.head.connect);
      if (!made)
        co_return common::unexpected(std::move(made.error()));
      conn = std::move(made.value());
    }
    result.head.certificate = conn->certificate;

    ErrorCode ec;
    if (SteadyClock::now() >= deadline) {
      conn->abort();
      co_return common::unexpected(
          makeError(NetErrorKind::Timeout, "send request to " + conn->where + ": timed out"));
    }
    conn->expiresAt(deadline);
    co_await conn->withStream([&](auto& stream) {
      return http::async_write(stream, req, redirect_error(use_awaitable, ec));
    });
    if (self->epoch() != epoch)
      co_return common::unexpected(self->cancelled());
    if (ec) {
      conn->abort();
      if (reused && ec != beast::error::timeout)
        continue;
      co_return common::unexpected(ioError(ec, "send request to", conn->where, 0, headerLimit));
    }

    // Interim 1xx responses (103 Early Hints, a stray 100 Continue) are skipped.
    for (int interim = 0; interim < 8; ++interim) {
      result.parser = std::make_unique<HeadParser>();
      result.parser->header_limit(static_cast<std::uint32_t>(
          std::min<std::size_t>(headerLimit, std::numeric_limits<std::uint32_t>::max())));
      if (streaming) {
        result.parser->body_limit(std::numeric_limits<std::uint64_t>::max());
      } else {
        result.parser->body_limit(self->options.maxBodyBytes);
      }
      if (req.method() == http::verb::head)
        result.parser->skip(true);
      conn->expiresAt(deadline);
      co_await conn->withStream([&](auto& stream) {
        return http::async_read_header(stream, conn->buffer, *result.parser,
                                       redirect_error(use_awaitable, ec));
      });
      if (ec || result.parser->get().result_int() / 100 != 1 ||
          result.parser->get().result_int() == 101)
        break;
    }
    if (self->epoch() != epoch)
      co_return common::unexpected(self->cancelled());
    if (ec) {
      bool nothingArrived = !result.parser->got_some() && conn->buffer.size() == 0;
      conn->abort();
      if (reused && nothingArrived && isClosedError(ec))
        continue;
      co_return common::unexpected(
          ioError(ec, "read response from", conn->where, self->options.maxBodyBytes, headerLimit));
    }
    result.head.status = result.parser->get().result_int();
    for (const auto& field : result.parser->get()) {
      result.head.headers.add(std::string(field.name_string()), std::string(field.value()));
    }
    result.head.firstByteMs = msSince(start);
    result.conn = std::move(conn);
    co_return result;
  }
  co_return common::unexpected(
      makeError(NetErrorKind::ConnectionClosed,
                "send request to " + endpointText(url) + ": connection closed"));
}

Awaitable<NetResult<Response>> Client::Impl::send(std::shared_ptr<Impl> self, Request request,
                                                  Deadline deadline) {
  const auto start = SteadyClock::now();
  const std::uint64_t epoch = self->epoch();
  const auto req = buildRequest(request, self->options, self->options.keepAlive);
  auto head = co_await exchange(self, req, request.url, deadline, false, start, epoch);
  if (!head)
    co_return common::unexpected(std::move(head.error()));
  auto conn = std::move(head->conn);

  http::response_parser<http::string_body> parser(std::move(*head->parser));
  parser.body_limit(self->options.maxBodyBytes);
  ErrorCode ec;
  conn->expiresAt(deadline);
  co_await conn->withStream([&](auto& stream) {
    return http::async_read(stream, conn->buffer, parser, redirect_error(use_awaitable, ec));
  });
  if (self->epoch() != epoch)
    co_return common::unexpected(self->cancelled());
  if (ec == ssl::error::stream_truncated && parser.need_eof()) {
    // A TLS peer that closes without close_notify ends a read-until-close body all the same.
    ec = {};
    parser.put_eof(ec);
  }
  if (ec) {
    conn->abort();
    co_return common::unexpected(ioError(ec, "read response body from", conn->where,
                                         self->options.maxBodyBytes, self->options.maxHeaderBytes));
  }

  Response response;
  response.head = std::move(head->head);
  const bool reusable = self->options.keepAlive && parser.keep_alive() && parser.is_done();
  response.body = std::move(parser.release().body());
  response.totalMs = msSince(start);
  if (reusable && conn->buffer.size() == 0) {
    self->putIdle(request.url.origin(), std::move(conn));
  } else {
    conn->abort();
  }
  co_return response;
}

namespace {

class StreamBody final : public BodyStream {
public:
  using Parser = http::response_parser<http::buffer_body>;

  // `release` takes the connection back when the body ended cleanly and the server keeps it
  // open (the client's next request to the same origin reuses it); null: never reused.
  StreamBody(std::shared_ptr<CancelState> cancel, std::shared_ptr<Conn> conn,
             std::unique_ptr<Parser> parser, Deadline deadline, std::uint64_t epoch,
             std::function<void(std::shared_ptr<Conn>)> release)
      : state_(std::make_shared<State>()) {
    state_->cancel = std::move(cancel);
    state_->conn = std::move(conn);
    state_->parser = std::move(parser);
    state_->deadline = deadline;
    state_->epoch = epoch;
    state_->release = std::move(release);
  }
  ~StreamBody() override { close(); }

  Awaitable<NetResult<std::optional<std::string>>> next() override {
    return read(state_, state_->deadline);
  }
  Awaitable<NetResult<std::optional<std::string>>> next(Deadline earlier) override {
    return read(state_, std::min(earlier, state_->deadline));
  }
  std::size_t bytesRead() const override { return state_->bytes; }
  void close() override {
    if (state_->conn)
      state_->conn->abort();
    state_->closed = true;
  }

private:
  // Shared with a read in flight, so destroying the stream mid-read is safe.
  struct State {
    std::shared_ptr<CancelState> cancel;
    std::shared_ptr<Conn> conn;
    std::unique_ptr<Parser> parser;
    Deadline deadline;
    std::uint64_t epoch = 0;
    std::size_t bytes = 0;
    bool finished = false;
    bool closed = false;
    std::optional<NetError> failed;
    std::function<void(std::shared_ptr<Conn>)> release;
    // What one read fills: starts small (most MCP answers are a few hundred bytes) and grows to
    // kPiece while reads keep filling it.
    std::size_t pieceSize = 4096;
  };

  static Awaitable<NetResult<std::optional<std::string>>> read(std::shared_ptr<State> s,
                                                               Deadline deadline) {
    constexpr std::size_t kPiece = 64 * 1024;
    if (s->failed)
      co_return common::unexpected(*s->failed);
    if (s->finished)
      co_return std::optional<std::string>{};
    auto fail = [&](NetError error) {
      s->failed = error;
      s->conn->abort();
      return common::unexpected(std::move(error));
    };
    if (s->cancel->epoch != s->epoch)
      co_return fail(cancelledError());
    if (s->closed)
      co_return fail(makeError(NetErrorKind::ConnectionClosed, "body stream closed"));

    std::string piece(s->pieceSize, '\0');
    while (true) {
      // Bytes already buffered are parsed without touching the socket, so the deadline must be
      // checked here too or a fast endless stream would run past it.
      if (SteadyClock::now() >= deadline)
        co_return fail(makeError(NetErrorKind::Timeout,
                                 "read response body from " + s->conn->where + ": timed out"));
      if (s->parser->is_done()) {
        s->finished = true;
        if (s->release && s->parser->keep_alive() && s->conn->buffer.size() == 0)
          s->release(std::move(s->conn)); // close() must not abort it now
        else
          s->conn->abort();
        s->conn.reset();
        co_return std::optional<std::string>{};
      }
      auto& body = s->parser->get().body();
      body.data = piece.data();
      body.size = piece.size();
      body.more = true;
      ErrorCode ec;
      s->conn->expiresAt(deadline);
      co_await s->conn->withStream([&](auto& stream) {
        return http::async_read_some(stream, s->conn->buffer, *s->parser,
                                     redirect_error(use_awaitable, ec));
      });
      if (s->cancel->epoch != s->epoch)
        co_return fail(cancelledError());
      if (s->closed)
        co_return fail(makeError(NetErrorKind::ConnectionClosed, "body stream closed"));
      const std::size_t got = piece.size() - s->parser->get().body().size;
      if (ec == http::error::need_buffer)
        ec = {};
      if (ec == ssl::error::stream_truncated && s->parser->need_eof()) {
        ec = {};
        s->parser->put_eof(ec);
      }
      if (ec) {
        NetError error = ioError(ec, "read response body from", s->conn->where, 0, 0);
        if (got > 0) {
          // Hand over what arrived; the failure is reported by the next call.
          s->failed = error;
          s->conn->abort();
          s->bytes += got;
          piece.resize(got);
          co_return std::optional<std::string>(std::move(piece));
        }
        co_return fail(std::move(error));
      }
      if (got > 0) {
        s->bytes += got;
        if (got == piece.size() && s->pieceSize < kPiece)
          s->pieceSize = std::min(kPiece, s->pieceSize * 4);
        piece.resize(got);
        co_return std::optional<std::string>(std::move(piece));
      }
    }
  }

  std::shared_ptr<State> state_;
};

} // namespace

Awaitable<NetResult<StreamResponse>> Client::Impl::open(std::shared_ptr<Impl> self, Request request,
                                                        Deadline deadline) {
  const auto start = SteadyClock::now();
  const std::uint64_t epoch = self->epoch();
  const auto req = buildRequest(request, self->options, self->options.keepAlive);
  auto head = co_await exchange(self, req, request.url, deadline, true, start, epoch);
  if (!head)
    co_return common::unexpected(std::move(head.error()));
  auto parser = std::make_unique<StreamBody::Parser>(std::move(*head->parser));
  parser->body_limit(std::numeric_limits<std::uint64_t>::max());
  StreamResponse out;
  out.head = std::move(head->head);
  std::function<void(std::shared_ptr<Conn>)> release;
  if (self->options.keepAlive)
    release = [weak = std::weak_ptr<Impl>(self), origin = request.url.origin(),
               epoch](std::shared_ptr<Conn> conn) {
      if (auto impl = weak.lock(); impl && impl->epoch() == epoch) // not cancelled since
        impl->putIdle(origin, std::move(conn));
      else
        conn->abort();
    };
  out.body = std::make_unique<StreamBody>(self->cancelState, std::move(head->conn),
                                          std::move(parser), deadline, epoch, std::move(release));
  co_return out;
}

// ---- Client -------------------------------------------------------------------------------------

TlsContextStats tlsContextStats() {
  auto& registry = tlsRegistry();
  TlsContextStats out;
  out.contextsBuilt = registry.built.load(std::memory_order_relaxed);
  out.handshakes = registry.handshakes.load(std::memory_order_relaxed);
  out.resumed = registry.resumed.load(std::memory_order_relaxed);
  std::lock_guard lock(registry.mu);
  for (const auto& [key, shared] : registry.contexts)
    out.cachedSessions += shared->cached();
  return out;
}

void reloadTlsTrust() {
  auto& registry = tlsRegistry();
  std::map<std::pair<bool, std::string>, std::shared_ptr<SharedTls>> old;
  {
    std::lock_guard lock(registry.mu);
    old.swap(registry.contexts);
  }
}

Client::Client(asio::any_io_executor executor, ClientOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {}

Client::~Client() {
  impl_->abortAll();
}

Awaitable<NetResult<Response>> Client::send(Request request, Deadline deadline) {
  // Not a coroutine itself: the Impl is captured now, so the Client may go away mid-request.
  return Impl::send(impl_, std::move(request), deadline);
}

Awaitable<NetResult<StreamResponse>> Client::open(Request request, Deadline deadline) {
  return Impl::open(impl_, std::move(request), deadline);
}

void Client::cancel() {
  impl_->abortAll();
}

} // namespace mcpwatch::net
