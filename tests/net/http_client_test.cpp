// net::Client against small scripted servers on 127.0.0.1 (plain and TLS), with real short
// deadlines.
// clang-format off
#include <utility> // before common/asio.hpp: Boost 1.74's awaitable.hpp uses std::exchange
// clang-format on
#include "net/http_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <functional>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/resource.h>
#include <unistd.h>

namespace mcpwatch::net {
namespace {

using namespace std::chrono_literals;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;
using Steady = std::chrono::steady_clock;

template <class T> Awaitable<void> storeInto(std::optional<T>* out, Awaitable<T> op) {
  out->emplace(co_await std::move(op));
}

// Reads one request (head and Content-Length body) from a socket-like stream; `buffer` keeps any
// bytes that belong to the next request.
template <class Stream> Awaitable<std::string> readRequest(Stream& s, std::string& buffer) {
  std::size_t n =
      co_await asio::async_read_until(s, asio::dynamic_buffer(buffer), "\r\n\r\n", use_awaitable);
  std::string request = buffer.substr(0, n);
  buffer.erase(0, n);
  std::size_t length = 0;
  if (auto pos = request.find("Content-Length: "); pos != std::string::npos)
    length = std::stoul(request.substr(pos + 16));
  if (buffer.size() < length) {
    co_await asio::async_read(s, asio::dynamic_buffer(buffer),
                              asio::transfer_exactly(length - buffer.size()), use_awaitable);
  }
  request += buffer.substr(0, length);
  buffer.erase(0, length);
  co_return request;
}

template <class Stream> Awaitable<void> writeAll(Stream& s, std::string data) {
  co_await asio::async_write(s, asio::buffer(data), use_awaitable);
}

Awaitable<void> pause(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(d);
  co_await timer.async_wait(use_awaitable);
}

std::string okResponse(std::string_view body, std::string_view extra = "") {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + std::string(extra) +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

std::string fmtHex(std::size_t n) {
  char text[32];
  std::snprintf(text, sizeof text, "%zx", n);
  return text;
}

double msSince(Steady::time_point start) {
  return std::chrono::duration<double, std::milli>(Steady::now() - start).count();
}

class ClientTest : public ::testing::Test {
protected:
  using Handler = std::function<Awaitable<void>(tcp::socket, int)>;

  // Every accepted connection runs `handler` with its accept index.
  void serve(Handler handler) {
    asio::co_spawn(io_, acceptLoop(acceptor_, accepted_, std::move(handler)), asio::detached);
  }

  static Awaitable<void> acceptLoop(std::shared_ptr<tcp::acceptor> acceptor,
                                    std::shared_ptr<int> accepted, Handler handler) {
    for (;;) {
      ErrorCode ec;
      tcp::socket socket = co_await acceptor->async_accept(redirect_error(use_awaitable, ec));
      if (ec)
        co_return;
      int index = (*accepted)++;
      asio::co_spawn(acceptor->get_executor(), handler(std::move(socket), index), asio::detached);
    }
  }

  std::uint16_t port() const { return acceptor_->local_endpoint().port(); }
  Url url(std::string scheme = "http", std::string path = "/mcp") const {
    return Url::parse(scheme + "://127.0.0.1:" + std::to_string(port()) + path).value();
  }
  Request request(std::string method = "POST", std::string body = "{}") const {
    Request r;
    r.method = std::move(method);
    r.url = url();
    r.body = std::move(body);
    return r;
  }

  // Runs the io_context until `op` completes; server coroutines stay suspended in between.
  template <class T> T run(Awaitable<T> op) {
    std::optional<T> out;
    asio::co_spawn(io_, storeInto(&out, std::move(op)), [this](std::exception_ptr e) {
      io_.stop();
      if (e)
        std::rethrow_exception(e);
    });
    io_.restart();
    io_.run();
    EXPECT_TRUE(out.has_value());
    return std::move(*out);
  }

  asio::io_context io_;
  std::shared_ptr<tcp::acceptor> acceptor_ =
      std::make_shared<tcp::acceptor>(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  std::shared_ptr<int> accepted_ = std::make_shared<int>(0);
};

TEST_F(ClientTest, ContentLengthResponseAndRequestShape) {
  auto seen = std::make_shared<std::string>();
  serve([seen](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    *seen = co_await readRequest(s, buffer);
    co_await writeAll(s, okResponse("hello world", "X-Reply: yes\r\n"));
  });
  Client client(io_.get_executor());
  Request req = request();
  req.headers.add("X-Test", "1");
  req.headers.add("Content-Length", "999"); // the client computes its own
  auto result = run(client.send(req, Steady::now() + 2s));
  ASSERT_TRUE(result.has_value()) << result.error().detail;
  EXPECT_EQ(result->head.status, 200);
  EXPECT_EQ(result->body, "hello world");
  EXPECT_EQ(result->head.headers.get("x-reply"), "yes");
  EXPECT_EQ(result->head.headers.get("CONTENT-TYPE"), "application/json");
  EXPECT_TRUE(result->head.connect.dnsMs.has_value());
  EXPECT_TRUE(result->head.connect.connectMs.has_value());
  EXPECT_FALSE(result->head.connect.tlsMs.has_value());
  EXPECT_FALSE(result->head.certificate.has_value());
  EXPECT_GT(result->head.firstByteMs, 0);
  EXPECT_GE(result->totalMs, result->head.firstByteMs);

  EXPECT_EQ(seen->rfind("POST /mcp HTTP/1.1\r\n", 0), 0u) << *seen;
  EXPECT_NE(seen->find("Host: 127.0.0.1:" + std::to_string(port()) + "\r\n"), std::string::npos);
  EXPECT_NE(seen->find("User-Agent: mcpwatch/"), std::string::npos);
  EXPECT_NE(seen->find("Content-Length: 2\r\n"), std::string::npos);
  EXPECT_EQ(seen->find("999"), std::string::npos);
  EXPECT_NE(seen->find("X-Test: 1\r\n"), std::string::npos);
  EXPECT_EQ(seen->substr(seen->size() - 6), "\r\n\r\n{}");
}

TEST_F(ClientTest, HeaderValuesAreTrimmedAndInjectionIsRefused) {
  auto seen = std::make_shared<std::string>();
  serve([seen](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    *seen = co_await readRequest(s, buffer);
    co_await writeAll(s, okResponse("ok"));
  });
  Client client(io_.get_executor());
  Request req = request();
  req.headers.add("Authorization", "Bearer abc\n"); // a token file's trailing newline
  req.headers.add("User-Agent", "custom/1");
  auto result = run(client.send(req, Steady::now() + 2s));
  ASSERT_TRUE(result.has_value()) << result.error().detail;
  EXPECT_NE(seen->find("Authorization: Bearer abc\r\n"), std::string::npos) << *seen;
  EXPECT_NE(seen->find("User-Agent: custom/1\r\n"), std::string::npos);
  EXPECT_EQ(seen->find("mcpwatch/"), std::string::npos);

  Request evil = request();
  evil.headers.add("X-Token", "secret-value\r\nX-Injected: 1");
  try {
    run(client.send(evil, Steady::now() + 2s));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find("secret-value"), std::string::npos) << e.what();
  }
  EXPECT_EQ(*accepted_, 1);
}

TEST_F(ClientTest, UnresolvableNameIsADnsError) {
  Client client(io_.get_executor());
  Request req = request();
  req.url = Url::parse("http://mcpwatch-test.invalid/mcp").value();
  auto result = run(client.send(req, Steady::now() + 3s));
  ASSERT_FALSE(result.has_value());
  if (result.error().kind == NetErrorKind::ConnectTimeout)
    GTEST_SKIP() << "this machine's resolver does not answer: " << result.error().detail;
  EXPECT_EQ(result.error().kind, NetErrorKind::DnsError) << result.error().detail;
  EXPECT_NE(result.error().detail.find("mcpwatch-test.invalid"), std::string::npos);
}

TEST_F(ClientTest, ChunkedResponse) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    co_await writeAll(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
  });
  Client client(io_.get_executor());
  auto result = run(client.send(request(), Steady::now() + 2s));
  ASSERT_TRUE(result.has_value()) << result.error().detail;
  EXPECT_EQ(result->body, "hello world");
}

TEST_F(ClientTest, BodyUntilClose) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    co_await writeAll(s, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end");
    s.shutdown(tcp::socket::shutdown_send);
  });
  Client client(io_.get_executor());
  auto result = run(client.send(request("GET", ""), Steady::now() + 2s));
  ASSERT_TRUE(result.has_value()) << result.error().detail;
  EXPECT_EQ(result->body, "until the end");
}

TEST_F(ClientTest, HeadResponseHasNoBody) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    for (;;) {
      co_await readRequest(s, buffer);
      co_await writeAll(s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
    }
  });
  Client client(io_.get_executor());
  auto first = run(client.send(request("HEAD", ""), Steady::now() + 2s));
  ASSERT_TRUE(first.has_value()) << first.error().detail;
  EXPECT_EQ(first->body, "");
  auto second = run(client.send(request("HEAD", ""), Steady::now() + 2s));
  ASSERT_TRUE(second.has_value()) << second.error().detail;
  EXPECT_EQ(*accepted_, 1);
}

TEST_F(ClientTest, KeepAliveReusesTheConnection) {
  serve([](tcp::socket s, int index) -> Awaitable<void> {
    std::string buffer;
    for (int n = 0;; ++n) {
      co_await readRequest(s, buffer);
      co_await writeAll(s, okResponse("conn" + std::to_string(index) + "-req" + std::to_string(n)));
    }
  });
  Client client(io_.get_executor());
  auto first = run(client.send(request(), Steady::now() + 2s));
  auto second = run(client.send(request(), Steady::now() + 2s));
  ASSERT_TRUE(first.has_value()) << first.error().detail;
  ASSERT_TRUE(second.has_value()) << second.error().detail;
  EXPECT_EQ(first->body, "conn0-req0");
  EXPECT_EQ(second->body, "conn0-req1");
  EXPECT_EQ(*accepted_, 1);
  EXPECT_TRUE(first->head.connect.connectMs.has_value());
  EXPECT_FALSE(second->head.connect.connectMs.has_value());
  EXPECT_FALSE(second->head.connect.dnsMs.has_value());
}

TEST_F(ClientTest, KeepAliveDisabledOpensNewConnections) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    auto req = co_await readRequest(s, buffer);
    EXPECT_NE(req.find("Connection: close"), std::string::npos);
    co_await writeAll(s, okResponse("x"));
  });
  Client client(io_.get_executor(), ClientOptions{.keepAlive = false});
  ASSERT_TRUE(run(client.send(request(), Steady::now() + 2s)).has_value());
  ASSERT_TRUE(run(client.send(request(), Steady::now() + 2s)).has_value());
  EXPECT_EQ(*accepted_, 2);
}

TEST_F(ClientTest, StaleReusedConnectionIsRetriedOnce) {
  serve([](tcp::socket s, int index) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    if (index == 0) {
      co_await writeAll(s, okResponse("first"));
      // The server drops the idle connection just as the next request arrives.
      co_await readRequest(s, buffer);
      s.close();
      co_return;
    }
    co_await writeAll(s, okResponse("fresh"));
  });
  Client client(io_.get_executor());
  auto first = run(client.send(request(), Steady::now() + 2s));
  auto second = run(client.send(request(), Steady::now() + 2s));
  ASSERT_TRUE(first.has_value()) << first.error().detail;
  ASSERT_TRUE(second.has_value()) << second.error().detail;
  EXPECT_EQ(second->body, "fresh");
  EXPECT_TRUE(second->head.connect.connectMs.has_value());
  EXPECT_EQ(*accepted_, 2);
}

TEST_F(ClientTest, FreshConnectionClosedWithoutAnswerIsNotRetried) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    s.close();
  });
  Client client(io_.get_executor());
  auto result = run(client.send(request(), Steady::now() + 2s));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, NetErrorKind::ConnectionClosed);
  EXPECT_EQ(*accepted_, 1);
}

TEST_F(ClientTest, ConnectionRefused) {
  std::uint16_t closedPort;
  {
    tcp::acceptor probe(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    closedPort = probe.local_endpoint().port();
  }
  Client client(io_.get_executor());
  Request req = request();
  req.url = Url::parse("http://127.0.0.1:" + std::to_string(closedPort) + "/").value();
  auto result = run(client.send(req, Steady::now() + 2s));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, NetErrorKind::ConnectRefused);
  EXPECT_NE(result.error().detail.find("127.0.0.1:" + std::to_string(closedPort)),
            std::string::npos)
      << result.error().detail;
}

TEST_F(ClientTest, DeadlineAlreadyPassedIsAConnectTimeout) {
  Client client(io_.get_executor());
  auto result = run(client.send(request(), Steady::now() - 1ms));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, NetErrorKind::ConnectTimeout);
  EXPECT_EQ(*accepted_, 0);
}

TEST_F(ClientTest, ServerThatNeverAnswersTimesOutAtTheDeadline) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    co_await pause(1h);
  });
  Client client(io_.get_executor());
  auto start = Steady::now();
  auto result = run(client.send(request(), start + 300ms));
  double elapsed = msSince(start);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, NetErrorKind::Timeout);
  EXPECT_GE(elapsed, 295);
  EXPECT_LT(elapsed, 500);
}

TEST_F(ClientTest, SlowBodyTimesOutAtTheDeadline) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    co_await writeAll(s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part");
    co_await pause(1h);
  });
  Client client(io_.get_executor());
  auto start = Steady::now();
  auto result = run(client.send(request(), start + 250ms));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, NetErrorKind::Timeout);
  EXPECT_LT(msSince(start), 450);
}

TEST_F(ClientTest, BodyOverTheCapIsTooLarge) {
  serve([](tcp::socket s, int index) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    const std::string mb(1024 * 1024, 'x');
    ErrorCode ec;
    if (index == 0) {
      co_await writeAll(s, "HTTP/1.1 200 OK\r\nContent-Length: 10485760\r\n\r\n");
    } else {
      co_await writeAll(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    }
    for (int i = 0; i < 10 && !ec; ++i) {
      std::string piece = index == 0 ? mb : "100000\r\n" + mb + "\r\n";
      co_await asio::async_write(s, asio::buffer(piece), redirect_error(use_awaitable, ec));
    }
  });
  Client client(io_.get_executor(), ClientOptions{.keepAlive = false});
  auto declared = run(client.send(request(), Steady::now() + 3s));
  ASSERT_FALSE(declared.has_value());
  EXPECT_EQ(declared.error().kind, NetErrorKind::ResponseTooLarge) << declared.error().detail;
  auto chunked = run(client.send(request(), Steady::now() + 3s));
  ASSERT_FALSE(chunked.has_value());
  EXPECT_EQ(chunked.error().kind, NetErrorKind::ResponseTooLarge) << chunked.error().detail;
}

TEST_F(ClientTest, HeadersOverTheCapAreTooLarge) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    ErrorCode ec;
    std::string head = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(100 * 1024, 'a') +
                       "\r\nContent-Length: 0\r\n\r\n";
    co_await asio::async_write(s, asio::buffer(head), redirect_error(use_awaitable, ec));
  });
  Client client(io_.get_executor());
  auto result = run(client.send(request(), Steady::now() + 2s));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, NetErrorKind::ResponseTooLarge);
  // Header values may carry tokens: they never appear in details.
  EXPECT_EQ(result.error().detail.find("aaaa"), std::string::npos);
}

TEST_F(ClientTest, ResetMidBodyIsConnectionClosed) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    co_await writeAll(s, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789");
    co_await pause(20ms);
    s.set_option(asio::socket_base::linger(true, 0)); // close() now sends RST
    s.close();
  });
  Client client(io_.get_executor());
  auto result = run(client.send(request(), Steady::now() + 2s));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, NetErrorKind::ConnectionClosed) << result.error().detail;
}

TEST_F(ClientTest, EofMidBodyIsConnectionClosed) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    co_await writeAll(s, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789");
    s.shutdown(tcp::socket::shutdown_send);
    co_await pause(1h);
  });
  Client client(io_.get_executor());
  auto result = run(client.send(request(), Steady::now() + 2s));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, NetErrorKind::ConnectionClosed) << result.error().detail;
}

TEST_F(ClientTest, MalformedStatusLine) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    co_await writeAll(s, "SSH-2.0-OpenSSH_9.2\r\nnot http at all\r\n\r\n");
    co_await pause(1h);
  });
  Client client(io_.get_executor());
  auto result = run(client.send(request(), Steady::now() + 2s));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, NetErrorKind::MalformedResponse) << result.error().detail;
}

TEST_F(ClientTest, RedirectIsReturnedAsIs) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    co_await writeAll(s, "HTTP/1.1 302 Found\r\nLocation: http://elsewhere/\r\n"
                         "Content-Length: 0\r\n\r\n");
  });
  Client client(io_.get_executor());
  auto result = run(client.send(request(), Steady::now() + 2s));
  ASSERT_TRUE(result.has_value()) << result.error().detail;
  EXPECT_EQ(result->head.status, 302);
  EXPECT_EQ(result->head.headers.get("location"), "http://elsewhere/");
  EXPECT_EQ(*accepted_, 1);
}

TEST_F(ClientTest, InterimResponsesAreSkipped) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    co_await writeAll(s, "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + okResponse("final"));
  });
  Client client(io_.get_executor());
  auto result = run(client.send(request(), Steady::now() + 2s));
  ASSERT_TRUE(result.has_value()) << result.error().detail;
  EXPECT_EQ(result->head.status, 200);
  EXPECT_EQ(result->body, "final");
}

TEST_F(ClientTest, CancelEndsAPendingSend) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    co_await pause(1h);
  });
  Client client(io_.get_executor());
  asio::steady_timer timer(io_);
  timer.expires_after(50ms);
  timer.async_wait([&](ErrorCode) { client.cancel(); });
  auto start = Steady::now();
  auto result = run(client.send(request(), start + 5s));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, NetErrorKind::Cancelled);
  EXPECT_LT(msSince(start), 1000);
}

// ---- open(): streamed bodies ----

Awaitable<std::string> drain(BodyStream& body, NetError* error) {
  std::string all;
  for (;;) {
    auto piece = co_await body.next();
    if (!piece) {
      *error = piece.error();
      co_return all;
    }
    if (!piece.value())
      co_return all;
    all += **piece;
  }
}

TEST_F(ClientTest, OpenStreamsChunksAsTheyArrive) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    co_await writeAll(s, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 3; ++i) {
      co_await pause(10ms);
      co_await writeAll(s, "9\r\ndata: " + std::to_string(i) + "\n\n\r\n");
    }
    co_await writeAll(s, "0\r\n\r\n");
    co_await pause(1h);
  });
  Client client(io_.get_executor());
  auto opened = run(client.open(request("GET", ""), Steady::now() + 2s));
  ASSERT_TRUE(opened.has_value()) << opened.error().detail;
  EXPECT_EQ(opened->head.status, 200);
  EXPECT_EQ(opened->head.headers.get("content-type"), "text/event-stream");
  auto first = run(opened->body->next());
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first.value(), "data: 0\n\n"); // delivered before the rest was even written
  NetError error{NetErrorKind::Cancelled, "unset"};
  std::string rest = run(drain(*opened->body, &error));
  EXPECT_EQ(rest, "data: 1\n\ndata: 2\n\n");
  EXPECT_EQ(error.detail, "unset");
  EXPECT_EQ(opened->body->bytesRead(), 27u);
  auto after = run(opened->body->next());
  ASSERT_TRUE(after.has_value());
  EXPECT_FALSE(after.value().has_value());
}

TEST_F(ClientTest, OpenReadsContentLengthBodies) {
  // A body with Content-Length through open(): the stream must not apply send()'s cap logic.
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    co_await writeAll(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         "Content-Length: 11\r\n\r\n{\"ok\":true}");
    co_await pause(1h);
  });
  Client client(io_.get_executor());
  auto opened = run(client.open(request("POST", "{}"), Steady::now() + 2s));
  ASSERT_TRUE(opened.has_value()) << opened.error().detail;
  NetError error{NetErrorKind::Cancelled, "unset"};
  EXPECT_EQ(run(drain(*opened->body, &error)), "{\"ok\":true}");
  EXPECT_EQ(error.detail, "unset");
}

TEST_F(ClientTest, AStreamReadToItsEndLeavesTheConnectionForTheNextRequest) {
  // A probe's requests (discover, tools/list; or initialize, initialized, tools/list, DELETE)
  // go over one connection, as an SDK client's do: a body read to its end hands the connection
  // back, chunked or with a Content-Length.
  serve([](tcp::socket s, int index) -> Awaitable<void> {
    std::string buffer;
    for (int n = 0;; ++n) {
      co_await readRequest(s, buffer);
      std::string body = "conn" + std::to_string(index) + "-req" + std::to_string(n);
      if (n % 2 == 0)
        co_await writeAll(s, okResponse(body));
      else
        co_await writeAll(s, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n" +
                                 fmtHex(body.size()) + "\r\n" + body + "\r\n0\r\n\r\n");
    }
  });
  Client client(io_.get_executor());
  std::vector<std::string> bodies;
  for (int i = 0; i < 3; ++i) {
    auto opened = run(client.open(request("POST", "{}"), Steady::now() + 2s));
    ASSERT_TRUE(opened.has_value()) << opened.error().detail;
    EXPECT_EQ(opened->head.connect.connectMs.has_value(), i == 0);
    NetError error{NetErrorKind::Cancelled, "unset"};
    bodies.push_back(run(drain(*opened->body, &error)));
    EXPECT_EQ(error.detail, "unset");
  }
  EXPECT_EQ(bodies, (std::vector<std::string>{"conn0-req0", "conn0-req1", "conn0-req2"}));
  EXPECT_EQ(*accepted_, 1);
}

TEST_F(ClientTest, AStreamNotReadToItsEndOrClosedByTheServerIsNotReused) {
  serve([](tcp::socket s, int index) -> Awaitable<void> {
    std::string buffer;
    for (int n = 0;; ++n) {
      co_await readRequest(s, buffer);
      if (index == 0) // an SSE stream that stays open: the client drops it unread
        co_await writeAll(s, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n");
      else if (index == 1) // a complete answer, but the server closes the connection
        co_await writeAll(s, okResponse("bye", "Connection: close\r\n"));
      else
        co_await writeAll(s, okResponse("fresh"));
    }
  });
  Client client(io_.get_executor());
  {
    auto opened = run(client.open(request("POST", "{}"), Steady::now() + 2s));
    ASSERT_TRUE(opened.has_value()) << opened.error().detail;
  } // destroyed unread
  {
    auto opened = run(client.open(request("POST", "{}"), Steady::now() + 2s));
    ASSERT_TRUE(opened.has_value()) << opened.error().detail;
    NetError error{NetErrorKind::Cancelled, "unset"};
    EXPECT_EQ(run(drain(*opened->body, &error)), "bye");
  }
  auto last = run(client.send(request(), Steady::now() + 2s));
  ASSERT_TRUE(last.has_value()) << last.error().detail;
  EXPECT_EQ(last->body, "fresh");
  EXPECT_TRUE(last->head.connect.connectMs.has_value());
  EXPECT_EQ(*accepted_, 3);
}

TEST_F(ClientTest, ALargeStreamedBodyArrivesWhole) {
  // Reads start small and grow; nothing is lost or reordered across the pieces.
  std::string big;
  for (int i = 0; big.size() < 300 * 1024; ++i)
    big += std::to_string(i) + ",";
  serve([big](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    co_await writeAll(s, okResponse(big));
    co_await pause(1h);
  });
  Client client(io_.get_executor());
  auto opened = run(client.open(request("POST", "{}"), Steady::now() + 2s));
  ASSERT_TRUE(opened.has_value()) << opened.error().detail;
  NetError error{NetErrorKind::Cancelled, "unset"};
  EXPECT_EQ(run(drain(*opened->body, &error)), big);
  EXPECT_EQ(opened->body->bytesRead(), big.size());
}

TEST_F(ClientTest, OpenHeadersThenSilenceTimesOutAtTheDeadline) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    co_await writeAll(s, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n");
    co_await pause(1h);
  });
  Client client(io_.get_executor());
  auto start = Steady::now();
  auto opened = run(client.open(request("GET", ""), start + 300ms));
  ASSERT_TRUE(opened.has_value()) << opened.error().detail;
  EXPECT_LT(msSince(start), 250);
  auto piece = run(opened->body->next());
  double elapsed = msSince(start);
  ASSERT_FALSE(piece.has_value());
  EXPECT_EQ(piece.error().kind, NetErrorKind::Timeout);
  EXPECT_GE(elapsed, 295);
  EXPECT_LT(elapsed, 500);
}

TEST_F(ClientTest, OpenNextWithAnEarlierDeadline) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    co_await writeAll(s, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n");
    co_await pause(1h);
  });
  Client client(io_.get_executor());
  auto start = Steady::now();
  auto opened = run(client.open(request("GET", ""), start + 5s));
  ASSERT_TRUE(opened.has_value()) << opened.error().detail;
  auto piece = run(opened->body->next(start + 200ms));
  ASSERT_FALSE(piece.has_value());
  EXPECT_EQ(piece.error().kind, NetErrorKind::Timeout);
  EXPECT_LT(msSince(start), 450);
}

TEST_F(ClientTest, EndlessStreamEndsExactlyAtTheDeadline) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    co_await writeAll(s, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n");
    ErrorCode ec;
    while (!ec) {
      std::string chunk = "c\r\n: keepalive\n\r\n";
      co_await asio::async_write(s, asio::buffer(chunk), redirect_error(use_awaitable, ec));
      co_await pause(2ms);
    }
  });
  Client client(io_.get_executor());
  auto start = Steady::now();
  auto opened = run(client.open(request("GET", ""), start + 300ms));
  ASSERT_TRUE(opened.has_value()) << opened.error().detail;
  NetError error{NetErrorKind::Cancelled, "unset"};
  run(drain(*opened->body, &error));
  double elapsed = msSince(start);
  EXPECT_EQ(error.kind, NetErrorKind::Timeout) << error.detail;
  EXPECT_GT(opened->body->bytesRead(), 0u);
  EXPECT_GE(elapsed, 295);
  EXPECT_LT(elapsed, 500);
}

TEST_F(ClientTest, OpenEofMidChunkIsConnectionClosed) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    co_await writeAll(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nhalf");
    s.shutdown(tcp::socket::shutdown_send);
    co_await pause(1h);
  });
  Client client(io_.get_executor());
  auto opened = run(client.open(request("GET", ""), Steady::now() + 2s));
  ASSERT_TRUE(opened.has_value()) << opened.error().detail;
  NetError error{NetErrorKind::Cancelled, "unset"};
  std::string got = run(drain(*opened->body, &error));
  EXPECT_EQ(error.kind, NetErrorKind::ConnectionClosed) << error.detail;
  EXPECT_EQ(got, "half");
}

TEST_F(ClientTest, DestroyingTheStreamClosesTheSocket) {
  auto sawEof = std::make_shared<bool>(false);
  serve([sawEof](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    co_await writeAll(s, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n");
    char byte;
    ErrorCode ec;
    co_await s.async_read_some(asio::buffer(&byte, 1), redirect_error(use_awaitable, ec));
    *sawEof = ec == asio::error::eof;
  });
  Client client(io_.get_executor());
  auto opened = run(client.open(request("GET", ""), Steady::now() + 2s));
  ASSERT_TRUE(opened.has_value()) << opened.error().detail;
  opened->body.reset();
  auto waitForEof = [](std::shared_ptr<bool> flag) -> Awaitable<bool> {
    for (int i = 0; i < 200 && !*flag; ++i)
      co_await pause(5ms);
    co_return *flag;
  };
  EXPECT_TRUE(run(waitForEof(sawEof)));
}

TEST_F(ClientTest, CancelEndsAPendingStreamRead) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    co_await writeAll(s, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n");
    co_await pause(1h);
  });
  Client client(io_.get_executor());
  auto start = Steady::now();
  auto opened = run(client.open(request("GET", ""), start + 5s));
  ASSERT_TRUE(opened.has_value()) << opened.error().detail;
  asio::steady_timer timer(io_);
  timer.expires_after(50ms);
  timer.async_wait([&](ErrorCode) { client.cancel(); });
  auto piece = run(opened->body->next());
  ASSERT_FALSE(piece.has_value());
  EXPECT_EQ(piece.error().kind, NetErrorKind::Cancelled);
  EXPECT_LT(msSince(start), 1000);
}

// ---- TLS ----

// A self-signed P-256 certificate that expires 2030-01-01T00:00:00Z, with `san` (e.g.
// "IP:127.0.0.1") as its subjectAltName when given, installed in a new server context. `pemOut`,
// when given, receives the certificate as PEM (a client's CA file).
std::shared_ptr<asio::ssl::context> selfSignedServerContext(const char* commonName = "localhost",
                                                            const char* san = nullptr,
                                                            const char* pemOut = nullptr,
                                                            long expiredSecondsAgo = 0) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  if (expiredSecondsAgo > 0) {
    X509_gmtime_adj(X509_getm_notBefore(cert), -expiredSecondsAgo - 30L * 86400);
    X509_gmtime_adj(X509_getm_notAfter(cert), -expiredSecondsAgo);
  } else {
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    ASN1_TIME_set_string(X509_getm_notAfter(cert), "20300101000000Z");
  }
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(commonName), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  if (san != nullptr) {
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext =
        X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, const_cast<char*>(san));
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(cert, key, EVP_sha256());
  SSL_CTX_use_certificate(ctx->native_handle(), cert);
  SSL_CTX_use_PrivateKey(ctx->native_handle(), key);
  if (pemOut != nullptr) {
    FILE* f = std::fopen(pemOut, "w");
    PEM_write_X509(f, cert);
    std::fclose(f);
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  return ctx;
}

class TlsClientTest : public ClientTest {
protected:
  // Every connection: the TLS handshake with `ctx`, then `body` in answer to each request.
  void serveTls(std::shared_ptr<asio::ssl::context> ctx = selfSignedServerContext(),
                std::string body = "secure") {
    serve([ctx, body](tcp::socket s, int) -> Awaitable<void> {
      asio::ssl::stream<tcp::socket> stream(std::move(s), *ctx);
      ErrorCode ec;
      co_await stream.async_handshake(asio::ssl::stream_base::server,
                                      redirect_error(use_awaitable, ec));
      if (ec)
        co_return;
      std::string buffer;
      for (;;) {
        co_await readRequest(stream, buffer);
        co_await writeAll(stream, okResponse(body));
      }
    });
  }
  Request tlsRequest() const {
    Request r = request();
    r.url = url("https");
    return r;
  }
};

TEST_F(TlsClientTest, SelfSignedCertificateIsInvalidByDefault) {
  serveTls();
  Client client(io_.get_executor());
  auto result = run(client.send(tlsRequest(), Steady::now() + 3s));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, NetErrorKind::TlsCertificateInvalid);
  EXPECT_NE(result.error().detail.find("certificate verify failed: self"), std::string::npos)
      << result.error().detail;
}

TEST_F(TlsClientTest, InsecureModeSucceedsAndReportsTheCertificate) {
  serveTls();
  Client client(io_.get_executor(), ClientOptions{.verifyTls = false});
  auto result = run(client.send(tlsRequest(), Steady::now() + 3s));
  ASSERT_TRUE(result.has_value()) << result.error().detail;
  EXPECT_EQ(result->body, "secure");
  ASSERT_TRUE(result->head.certificate.has_value());
  EXPECT_EQ(result->head.certificate->notAfter,
            std::chrono::system_clock::time_point(std::chrono::seconds(1893456000)));
  EXPECT_EQ(result->head.certificate->subject, "CN=localhost");
  EXPECT_TRUE(result->head.connect.tlsMs.has_value());

  // The reused TLS connection still reports the certificate, without connect timings.
  auto second = run(client.send(tlsRequest(), Steady::now() + 3s));
  ASSERT_TRUE(second.has_value()) << second.error().detail;
  EXPECT_TRUE(second->head.certificate.has_value());
  EXPECT_FALSE(second->head.connect.tlsMs.has_value());
  EXPECT_EQ(*accepted_, 1);
}

TEST_F(ClientTest, TlsToAPlainServerIsATlsError) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    ErrorCode ec;
    co_await asio::async_read_until(s, asio::dynamic_buffer(buffer), "\n",
                                    redirect_error(use_awaitable, ec));
    co_await writeAll(s, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  });
  Client client(io_.get_executor());
  Request req = request();
  req.url = url("https");
  auto result = run(client.send(req, Steady::now() + 2s));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, NetErrorKind::TlsError) << result.error().detail;
}

TEST_F(TlsClientTest, HandshakeThatNeverCompletesTimesOut) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    co_await pause(1h); // holds the accepted socket open without ever answering
    s.close();
  });
  Client client(io_.get_executor());
  auto start = Steady::now();
  auto result = run(client.send(tlsRequest(), start + 250ms));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, NetErrorKind::Timeout) << result.error().detail;
  EXPECT_LT(msSince(start), 450);
}

TEST_F(ClientTest, NoDescriptorLeftIsALocalErrorNotTheServers) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    co_await writeAll(s, okResponse("{}"));
  });
  Client client(io_.get_executor(), ClientOptions{.keepAlive = false});
  // A first request starts the server's accept loop while descriptors are plentiful.
  auto warm = run(client.send(request(), Steady::now() + 2s));
  ASSERT_TRUE(warm.has_value()) << warm.error().detail;
  // Use up every descriptor this process may open, as a daemon past its limit would.
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  int highest = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
    highest = std::max(highest, std::stoi(entry.path().filename().string()));
  rlimit tight{static_cast<rlim_t>(highest + 1), saved.rlim_max};
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
  std::vector<int> filler;
  for (int fd; (fd = ::open("/dev/null", O_RDONLY)) >= 0;)
    filler.push_back(fd);
  auto result = run(client.send(request(), Steady::now() + 2s));
  for (int fd : filler)
    ::close(fd);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, NetErrorKind::LocalResource) << result.error().detail;
  EXPECT_NE(result.error().detail.find("mcpwatch could not open a socket"), std::string::npos)
      << result.error().detail;
  // With descriptors back, the same request works.
  auto again = run(client.send(request(), Steady::now() + 2s));
  ASSERT_TRUE(again.has_value()) << again.error().detail;
}

// ---- process-wide TLS contexts and session resumption ----

// A server certificate for IP 127.0.0.1 (subjectAltName) and its PEM, so a client that trusts the
// PEM as its CA file verifies the chain and the address.
struct TrustedServer {
  std::filesystem::path caFile = std::filesystem::temp_directory_path() /
                                 ("mcpwatch-ca-" + std::to_string(::getpid()) + "-" +
                                  std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".pem");
  std::shared_ptr<asio::ssl::context> context =
      selfSignedServerContext("mcpwatch test", "IP:127.0.0.1", caFile.c_str());
  ~TrustedServer() { std::filesystem::remove(caFile); }
};

class SharedTlsTest : public TlsClientTest {
protected:
  void serveTrusted() { serveTls(server_.context, "trusted"); }
  // One request on a new client (so a new connection), as each probe does.
  NetResult<Response> sendOnce(ClientOptions options) {
    Client client(io_.get_executor(), std::move(options));
    return run(client.send(tlsRequest(), Steady::now() + 3s));
  }
  ClientOptions trusting() const {
    ClientOptions o;
    o.caFile = server_.caFile.string();
    return o;
  }

  TrustedServer server_;
};

TEST_F(SharedTlsTest, ACaFileIsTrustedInsteadOfTheSystemStore) {
  serveTrusted();
  auto trusted = sendOnce(trusting());
  ASSERT_TRUE(trusted.has_value()) << trusted.error().detail;
  EXPECT_EQ(trusted->body, "trusted");
  // The system store does not know the test CA.
  auto untrusted = sendOnce({});
  ASSERT_FALSE(untrusted.has_value());
  EXPECT_EQ(untrusted.error().kind, NetErrorKind::TlsCertificateInvalid);
}

TEST_F(SharedTlsTest, AnExpiredCertificateSaysHowLongAgoItExpired) {
  // Trusted through the CA file, for 127.0.0.1, expired three days and an hour ago.
  auto ca = std::filesystem::temp_directory_path() /
            ("mcpwatch-expired-" + std::to_string(::getpid()) + ".pem");
  serveTls(selfSignedServerContext("mcpwatch test", "IP:127.0.0.1", ca.c_str(), 3 * 86400 + 3600),
           "expired");
  ClientOptions o;
  o.caFile = ca.string();
  auto result = sendOnce(o);
  std::filesystem::remove(ca);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, NetErrorKind::TlsCertificateInvalid);
  EXPECT_NE(result.error().detail.find("certificate has expired (3 days ago)"), std::string::npos)
      << result.error().detail;
}

TEST_F(SharedTlsTest, AMissingCaFileIsATlsErrorNamingIt) {
  serveTrusted();
  ClientOptions o;
  o.caFile = "/nonexistent/mcpwatch-ca.pem";
  auto result = sendOnce(o);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, NetErrorKind::TlsError);
  EXPECT_NE(result.error().detail.find("/nonexistent/mcpwatch-ca.pem"), std::string::npos)
      << result.error().detail;
}

TEST_F(SharedTlsTest, OneContextPerVerifyModeAndCaFileForTheWholeProcess) {
  serveTrusted();
  reloadTlsTrust();
  const auto before = tlsContextStats().contextsBuilt;
  for (int i = 0; i < 5; ++i) {
    auto r = sendOnce(trusting());
    ASSERT_TRUE(r.has_value()) << r.error().detail;
  }
  EXPECT_EQ(tlsContextStats().contextsBuilt - before, 1u);
  for (int i = 0; i < 3; ++i) {
    ClientOptions insecure;
    insecure.verifyTls = false;
    ASSERT_TRUE(sendOnce(insecure).has_value());
  }
  EXPECT_EQ(tlsContextStats().contextsBuilt - before, 2u);
  reloadTlsTrust();
  const auto afterReload = tlsContextStats().contextsBuilt;
  EXPECT_EQ(tlsContextStats().cachedSessions, 0u);
  ASSERT_TRUE(sendOnce(trusting()).has_value());
  EXPECT_EQ(tlsContextStats().contextsBuilt - afterReload, 1u); // reload reads the CA again
}

TEST_F(SharedTlsTest, PlainHttpBuildsNoTlsContext) {
  serve([](tcp::socket s, int) -> Awaitable<void> {
    std::string buffer;
    co_await readRequest(s, buffer);
    co_await writeAll(s, okResponse("plain"));
  });
  reloadTlsTrust();
  const auto before = tlsContextStats().contextsBuilt;
  Client client(io_.get_executor());
  auto r = run(client.send(request(), Steady::now() + 3s));
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(tlsContextStats().contextsBuilt, before);
}

TEST_F(SharedTlsTest, ANewConnectionResumesTheOriginsSession) {
  serveTrusted();
  reloadTlsTrust();
  auto first = sendOnce(trusting());
  ASSERT_TRUE(first.has_value()) << first.error().detail;
  EXPECT_EQ(first->head.connect.tlsResumed, std::optional<bool>(false));
  const auto before = tlsContextStats();
  EXPECT_GE(before.cachedSessions, 1u) << "the server's session (ticket) is kept for the origin";
  auto second = sendOnce(trusting());
  ASSERT_TRUE(second.has_value()) << second.error().detail;
  EXPECT_EQ(second->head.connect.tlsResumed, std::optional<bool>(true));
  // A resumed session still reports the server's certificate (the prober's expiry check).
  ASSERT_TRUE(second->head.certificate.has_value());
  EXPECT_EQ(second->head.certificate->subject, "CN=mcpwatch test");
  const auto after = tlsContextStats();
  EXPECT_EQ(after.handshakes - before.handshakes, 1u);
  EXPECT_EQ(after.resumed - before.resumed, 1u);
  EXPECT_EQ(*accepted_, 2);
}

TEST_F(SharedTlsTest, ConcurrentConnectionsToOneOriginEachResume) {
  // Many MCP servers behind one host and port are probed at the same time: the tickets a server
  // sends (one use each) are all kept, so concurrent connections resume too.
  serveTrusted();
  reloadTlsTrust();
  ASSERT_TRUE(sendOnce(trusting()).has_value());
  Client a(io_.get_executor(), trusting());
  Client b(io_.get_executor(), trusting());
  std::optional<NetResult<Response>> ra, rb;
  asio::co_spawn(io_, storeInto(&ra, a.send(tlsRequest(), Steady::now() + 3s)), asio::detached);
  asio::co_spawn(io_, storeInto(&rb, b.send(tlsRequest(), Steady::now() + 3s)), asio::detached);
  io_.restart();
  while (!(ra && rb) && io_.run_one_for(3s) > 0) {
  }
  ASSERT_TRUE(ra && rb);
  ASSERT_TRUE(ra->has_value()) << ra->error().detail;
  ASSERT_TRUE(rb->has_value()) << rb->error().detail;
  EXPECT_EQ((*ra)->head.connect.tlsResumed, std::optional<bool>(true));
  EXPECT_EQ((*rb)->head.connect.tlsResumed, std::optional<bool>(true));
}

TEST_F(SharedTlsTest, ResumptionCanBeTurnedOff) {
  serveTrusted();
  reloadTlsTrust();
  auto o = trusting();
  o.tlsSessionResumption = false;
  ASSERT_TRUE(sendOnce(o).has_value());
  auto second = sendOnce(o);
  ASSERT_TRUE(second.has_value()) << second.error().detail;
  EXPECT_EQ(second->head.connect.tlsResumed, std::optional<bool>(false));
}

} // namespace
} // namespace mcpwatch::net
