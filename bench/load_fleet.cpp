// load_fleet: a small, fast MCP server for benchmarks. One process answers for a whole fleet:
// every path /s/<n>/mcp is server n. It speaks the modern era (server/discover, stateless) and the
// 2025 era (initialize + Mcp-Session-Id, notifications/initialized, tools/list, DELETE), over
// HTTP or HTTPS, with optional latency and failure injection.
//
//   load_fleet [--threads N] [--tls --ca-out FILE] [--latency-ms MS] [--fail-every K]
//
// Prints "LISTENING <port>" once it accepts connections (127.0.0.1, a free port). With --tls it
// writes its self-signed certificate (subjectAltName IP:127.0.0.1) to FILE, for a client's CA
// file. --fail-every K makes every server whose number is a multiple of K answer 503.
// clang-format off
#include <utility> // before common/asio.hpp: Boost 1.74's awaitable.hpp uses std::exchange
// clang-format on
#include "common/asio.hpp"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string>
#include <thread>
#include <vector>

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using Json = nlohmann::json;
using mcpwatch::Awaitable;
using mcpwatch::use_awaitable;
namespace asio = boost::asio;

namespace {

struct Settings {
  int threads = 1;
  bool tls = false;
  std::string caOut;
  int latencyMs = 0;
  long failEvery = 0;
};

const Json kServerInfo = {{"name", "load-fleet"}, {"version", "1.0.0"}};

Json tools() {
  auto tool = [](const char* name, const char* description) {
    return Json{{"name", name},
                {"description", description},
                {"inputSchema",
                 {{"type", "object"},
                  {"properties", {{"text", {{"type", "string"}, {"description", "Input"}}}}},
                  {"required", {"text"}}}}};
  };
  return Json::array({tool("echo", "Echoes the text back."), tool("upper", "Upper-cases text."),
                      tool("count", "Counts the characters of the text.")});
}

// The JSON-RPC answer (or nullopt for a notification) to one message.
struct Answer {
  http::status status = http::status::ok;
  std::string body;
  std::string sessionId;
};

std::atomic<std::uint64_t> sessions{0};

Answer answer(const std::string& body) {
  static const Json toolList = tools();
  Answer out;
  Json msg = Json::parse(body, nullptr, false);
  if (!msg.is_object() || !msg.contains("method") || !msg["method"].is_string()) {
    out.status = http::status::bad_request;
    out.body = R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}})";
    return out;
  }
  const std::string method = msg["method"].get<std::string>();
  if (!msg.contains("id")) { // a notification
    out.status = http::status::accepted;
    return out;
  }
  Json result;
  if (method == "server/discover") {
    result = {{"_meta", {{"io.modelcontextprotocol/serverInfo", kServerInfo}}},
              {"capabilities", {{"tools", {{"listChanged", false}}}}},
              {"supportedVersions", {"2026-07-28", "2025-11-25"}},
              {"resultType", "complete"},
              {"cacheScope", "public"},
              {"ttlMs", 0}};
  } else if (method == "initialize") {
    result = {{"protocolVersion", "2025-11-25"},
              {"capabilities", {{"tools", {{"listChanged", false}}}}},
              {"serverInfo", kServerInfo}};
    out.sessionId = "s" + std::to_string(++sessions);
  } else if (method == "tools/list") {
    result = {{"tools", toolList}};
    if (msg.contains("params") && msg["params"].is_object() && msg["params"].contains("_meta")) {
      result["_meta"] = {{"io.modelcontextprotocol/serverInfo", kServerInfo}};
      result["resultType"] = "complete";
    }
  } else if (method == "ping") {
    result = Json::object();
  } else {
    out.body = Json{{"jsonrpc", "2.0"},
                    {"id", msg["id"]},
                    {"error", {{"code", -32601}, {"message", "Method not found"}}}}
                   .dump();
    return out;
  }
  out.body = Json{{"jsonrpc", "2.0"}, {"id", msg["id"]}, {"result", std::move(result)}}.dump();
  return out;
}

long serverNumber(beast::string_view target) {
  // /s/<n>/mcp
  if (target.size() < 4 || target.substr(0, 3) != "/s/")
    return -1;
  return std::strtol(std::string(target.substr(3)).c_str(), nullptr, 10);
}

template <class Stream> Awaitable<void> session(Stream& stream, const Settings& settings) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    boost::system::error_code ec;
    co_await http::async_read(stream, buffer, req, asio::redirect_error(use_awaitable, ec));
    if (ec)
      co_return;
    if (settings.latencyMs > 0) {
      asio::steady_timer timer(co_await asio::this_coro::executor);
      timer.expires_after(std::chrono::milliseconds(settings.latencyMs));
      co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    http::response<http::string_body> res;
    res.version(11);
    res.keep_alive(req.keep_alive());
    const long n = serverNumber(req.target());
    if (n < 0) {
      res.result(http::status::not_found);
    } else if (settings.failEvery > 0 && n % settings.failEvery == 0) {
      res.result(http::status::service_unavailable);
      res.set(http::field::content_type, "text/plain");
      res.body() = "injected failure\n";
    } else if (req.method() == http::verb::delete_) {
      res.result(http::status::ok);
    } else if (req.method() != http::verb::post) {
      res.result(http::status::method_not_allowed);
      res.set(http::field::allow, "POST, DELETE");
    } else {
      Answer a = answer(req.body());
      res.result(a.status);
      if (!a.body.empty())
        res.set(http::field::content_type, "application/json");
      if (!a.sessionId.empty())
        res.set("Mcp-Session-Id", a.sessionId);
      res.body() = std::move(a.body);
    }
    res.prepare_payload();
    co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
    if (ec || !res.keep_alive())
      co_return;
  }
}

Awaitable<void> plainSession(tcp::socket socket, const Settings& settings) {
  beast::tcp_stream stream(std::move(socket));
  co_await session(stream, settings);
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

Awaitable<void> tlsSession(tcp::socket socket, ssl::context& ctx, const Settings& settings) {
  beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), ctx);
  boost::system::error_code ec;
  co_await stream.async_handshake(ssl::stream_base::server,
                                  asio::redirect_error(use_awaitable, ec));
  if (ec)
    co_return;
  co_await session(stream, settings);
}

Awaitable<void> acceptLoop(tcp::acceptor& acceptor, ssl::context* ctx, const Settings& settings) {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::make_strand(acceptor.get_executor()),
                                                        asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted)
        co_return;
      continue; // EMFILE and friends: keep serving the connections we have
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto ex = socket.get_executor();
    if (ctx)
      asio::co_spawn(ex, tlsSession(std::move(socket), *ctx, settings), asio::detached);
    else
      asio::co_spawn(ex, plainSession(std::move(socket), settings), asio::detached);
  }
}

// A self-signed certificate for IP 127.0.0.1; its PEM goes to `caOut`.
bool setUpTls(ssl::context& ctx, const std::string& caOut) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600L * 24 * 30);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("load-fleet"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* san =
      X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, const_cast<char*>("IP:127.0.0.1"));
  X509_add_ext(cert, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(cert, key, EVP_sha256());
  SSL_CTX_use_certificate(ctx.native_handle(), cert);
  SSL_CTX_use_PrivateKey(ctx.native_handle(), key);
  FILE* f = std::fopen(caOut.c_str(), "w");
  bool ok = f != nullptr && PEM_write_X509(f, cert) == 1;
  if (f)
    std::fclose(f);
  X509_free(cert);
  EVP_PKEY_free(key);
  return ok;
}

int usage() {
  std::fprintf(stderr, "usage: load_fleet [--threads N] [--tls --ca-out FILE] [--latency-ms MS] "
                       "[--fail-every K]\n");
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  Settings settings;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (arg == "--tls") {
      settings.tls = true;
    } else if (arg == "--threads" || arg == "--latency-ms" || arg == "--fail-every" ||
               arg == "--ca-out") {
      const char* v = value();
      if (!v)
        return usage();
      if (arg == "--threads")
        settings.threads = std::max(1, std::atoi(v));
      else if (arg == "--latency-ms")
        settings.latencyMs = std::max(0, std::atoi(v));
      else if (arg == "--fail-every")
        settings.failEvery = std::max(0L, std::atol(v));
      else
        settings.caOut = v;
    } else {
      return usage();
    }
  }
  if (settings.tls && settings.caOut.empty())
    return usage();

  asio::io_context io(settings.threads);
  ssl::context ctx(ssl::context::tls_server);
  if (settings.tls && !setUpTls(ctx, settings.caOut)) {
    std::fprintf(stderr, "load_fleet: cannot write %s\n", settings.caOut.c_str());
    return 1;
  }
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  acceptor.listen(4096);
  asio::co_spawn(io, acceptLoop(acceptor, settings.tls ? &ctx : nullptr, settings), asio::detached);
  std::printf("LISTENING %u\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);
  std::vector<std::thread> pool;
  for (int i = 1; i < settings.threads; ++i)
    pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : pool)
    t.join();
  return 0;
}
