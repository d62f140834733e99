// Inbound HTTP server over real loopback sockets: routing, keep-alive, limits, malformed input,
// streaming, disconnect notice and stop().
// clang-format off
#include <utility> // before common/asio.hpp: Boost 1.74's awaitable.hpp uses std::exchange
// clang-format on
#include "net/http_server.hpp"
#include "tests/demo/test_client.hpp"

#include <atomic>
#include <future>
#include <gtest/gtest.h>
#include <stdexcept>
#include <thread>

namespace mcpwatch::net {
namespace {

using testing::rawRequest;
using testing::roundTrip;
using testing::TestConnection;
using namespace std::chrono_literals;

// A server on 127.0.0.1:0 whose io_context runs on its own thread for the test's lifetime.
class RunningServer {
public:
  explicit RunningServer(Handler handler, ServerLimits limits = {})
      : server_(io_.get_executor(), std::move(handler), std::move(limits)) {
    auto bound = server_.listen("127.0.0.1", 0);
    if (!bound) {
      throw std::runtime_error(bound.error());
    }
    port_ = *bound;
    thread_ = std::thread([this] { io_.run(); });
  }
  ~RunningServer() {
    server_.stop();
    thread_.join(); // returns only once every connection coroutine has finished
  }

  std::uint16_t port() const { return port_; }
  HttpServer& server() { return server_; }
  asio::io_context& io() { return io_; }

private:
  asio::io_context io_;
  HttpServer server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

Awaitable<void> echoHandler(const ServerRequest& req, ResponseWriter& w) {
  std::string body = req.method + " " + req.path + " q=" + req.query("q").value_or("-") +
                     " x=" + req.header("x-test").value_or("-") + " body=" + req.body;
  co_await w.send(ServerResponse::text(200, std::move(body)));
}

Handler echo() {
  return [](const ServerRequest& r, ResponseWriter& w) { return echoHandler(r, w); };
}

TEST(PercentDecode, DecodesAndRejectsBadEscapes) {
  EXPECT_EQ(percentDecode("a%20b%2Fc", false), "a b/c");
  EXPECT_EQ(percentDecode("a+b", false), "a+b");
  EXPECT_EQ(percentDecode("a+b", true), "a b");
  EXPECT_EQ(percentDecode("%C3%B6", false), "\xC3\xB6");
  EXPECT_FALSE(percentDecode("%", false));
  EXPECT_FALSE(percentDecode("%4", false));
  EXPECT_FALSE(percentDecode("%zz", false));
  auto q = parseQuery("a=1&b=x%20y&&c&d=%zz");
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[1], std::make_pair(std::string("b"), std::string("x y")));
  EXPECT_EQ(q[2], std::make_pair(std::string("c"), std::string("")));
  EXPECT_EQ(q[3], std::make_pair(std::string("d"), std::string("%zz")));
}

TEST(HttpServer, HandsTheHandlerMethodPathQueryHeadersAndBody) {
  RunningServer s(echo());

  auto r = roundTrip(s.port(), "GET", "/hello?q=J%C3%B6rg+X", {{"X-Test", "case"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "GET /hello q=J\xC3\xB6rg X x=case body=");
  EXPECT_EQ(r->header("Content-Type"), "text/plain; charset=utf-8");

  r = roundTrip(s.port(), "POST", "/hello", {}, "data");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "POST /hello q=- x=- body=data");

  r = roundTrip(s.port(), "DELETE", "/static/a%20b");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "DELETE /static/a b q=- x=- body=");
}

TEST(HttpServer, ReportsRemoteAddressAndAbsoluteFormTarget) {
  RunningServer s([](const ServerRequest& r, ResponseWriter& w) -> Awaitable<void> {
    co_await w.send(ServerResponse::text(200, r.remoteAddress + " " + r.path));
  });
  auto r = roundTrip(s.port(), "GET", "http://127.0.0.1/abs/path?x=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.rfind("127.0.0.1:", 0), 0u) << r->body;
  EXPECT_NE(r->body.find(" /abs/path"), std::string::npos) << r->body;
}

TEST(HttpServer, KeepAliveServesSequentialAndPipelinedRequests) {
  RunningServer s(echo());
  TestConnection c(s.port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.send(rawRequest("GET", "/seq?q=" + std::to_string(i))));
    auto r = c.readResponse();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->body, "GET /seq q=" + std::to_string(i) + " x=- body=");
  }
  EXPECT_EQ(s.server().connectionCount(), 1u);
  // Two requests in one write: answered in order on the same connection.
  ASSERT_TRUE(c.send(rawRequest("POST", "/a", {}, "1") + rawRequest("POST", "/b", {}, "22")));
  auto a = c.readResponse();
  auto b = c.readResponse();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->body, "POST /a q=- x=- body=1");
  EXPECT_EQ(b->body, "POST /b q=- x=- body=22");
  // Connection: close is honoured.
  ASSERT_TRUE(c.send(rawRequest("GET", "/last", {{"Connection", "close"}})));
  auto last = c.readResponse();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->header("Connection"), "close");
  EXPECT_TRUE(c.waitClosed());
}

TEST(HttpServer, HeadSendsHeadersOnlyAndKeepsFraming) {
  RunningServer s(echo());
  TestConnection c(s.port());
  ASSERT_TRUE(c.send(rawRequest("HEAD", "/h")));
  auto head = c.readResponse(true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("Content-Length"), "21"); // "HEAD /h q=- x=- body="
  ASSERT_TRUE(c.send(rawRequest("GET", "/g")));
  auto get = c.readResponse();
  ASSERT_TRUE(get);
  EXPECT_EQ(get->body, "GET /g q=- x=- body=");
}

TEST(HttpServer, BodyOverLimitGets413AndClose) {
  ServerLimits limits;
  limits.maxBodyBytes = 10;
  RunningServer s(echo(), limits);

  auto ok = roundTrip(s.port(), "POST", "/x", {}, "0123456789");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);

  TestConnection c(s.port());
  ASSERT_TRUE(c.send(rawRequest("POST", "/x", {}, std::string(100, 'a'))));
  auto r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(c.waitClosed());

  TestConnection chunked(s.port());
  ASSERT_TRUE(chunked.send("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "8\r\n01234567\r\n8\r\n01234567\r\n0\r\n\r\n"));
  r = chunked.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST(HttpServer, HeaderOverLimitGets431) {
  ServerLimits limits;
  limits.maxHeaderBytes = 1024;
  RunningServer s(echo(), limits);
  auto r = roundTrip(s.port(), "GET", "/", {{"X-Big", std::string(4000, 'b')}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
}

TEST(HttpServer, MalformedRequestsGet400AndServerKeepsServing) {
  RunningServer s(echo());
  const std::vector<std::string> garbage = {
      "GARBAGE\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
      "GET / HTTP/1.1\r\nBad Header Line\r\n\r\n",
      std::string("\x01\x02\xff\xfe / HTTP/1.1\r\n\r\n", 19),
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n",
      "GET nopath HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
  };
  for (const auto& raw : garbage) {
    TestConnection c(s.port());
    ASSERT_TRUE(c.send(raw));
    auto r = c.readResponse();
    ASSERT_TRUE(r) << raw;
    EXPECT_EQ(r->status, 400) << raw;
    EXPECT_EQ(r->header("Connection"), "close") << raw;
    EXPECT_TRUE(c.waitClosed()) << raw;
  }
  auto ok = roundTrip(s.port(), "GET", "/still");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST(HttpServer, IncompleteRequestTimesOutWith408) {
  ServerLimits limits;
  limits.requestTimeout = 200ms;
  RunningServer s(echo(), limits);
  TestConnection c(s.port());
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: x\r\n")); // headers never finish
  auto r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(c.waitClosed());
}

TEST(HttpServer, IdleKeepAliveConnectionIsClosed) {
  ServerLimits limits;
  limits.idleTimeout = 150ms;
  RunningServer s(echo(), limits);
  TestConnection c(s.port());
  ASSERT_TRUE(c.send(rawRequest("GET", "/")));
  ASSERT_TRUE(c.readResponse());
  EXPECT_TRUE(c.waitClosed()); // within the client's 5 s receive timeout
}

TEST(HttpServer, HandlerFailuresBecome500) {
  RunningServer s([](const ServerRequest& r, ResponseWriter& w) -> Awaitable<void> {
    if (r.path == "/throw") {
      throw std::runtime_error("boom");
    }
    if (r.path == "/bad-header") {
      co_await w.send(ServerResponse::text(200, "x").with("X-Evil", "a\r\nInjected: 1"));
    }
    if (r.path == "/ok") {
      co_await w.send(ServerResponse::text(200, "fine"));
    }
    // anything else: no response at all
  });
  for (const char* path : {"/throw", "/bad-header", "/silent"}) {
    auto r = roundTrip(s.port(), "GET", path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 500) << path;
    EXPECT_FALSE(r->header("Injected")) << path;
  }
  auto ok = roundTrip(s.port(), "GET", "/ok");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->body, "fine");
}

TEST(HttpServer, ExpectContinueGetsInterimResponse) {
  RunningServer s(echo());
  TestConnection c(s.port());
  ASSERT_TRUE(
      c.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = c.readResponse();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.send("hello"));
  auto r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "POST /up q=- x=- body=hello");
}

Awaitable<void> streamThree(const ServerRequest&, ResponseWriter& w) {
  HeaderList headers{{"Content-Type", "text/event-stream"}};
  if (!co_await w.startStream(200, std::move(headers))) {
    co_return;
  }
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (const char* piece : {"one", "two", "three"}) {
    co_await w.write(piece);
    timer.expires_after(20ms);
    co_await timer.async_wait(use_awaitable);
  }
  co_await w.endStream();
}

TEST(HttpServer, StreamedResponseDeliversChunksOverTime) {
  RunningServer s([](const ServerRequest& r, ResponseWriter& w) { return streamThree(r, w); });
  TestConnection c(s.port());
  ASSERT_TRUE(c.send(rawRequest("GET", "/events")));
  auto head = c.readHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("Content-Type"), "text/event-stream");
  EXPECT_EQ(head->header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(c.readChunk(), "one");
  EXPECT_EQ(c.readChunk(), "two");
  EXPECT_EQ(c.readChunk(), "three");
  EXPECT_EQ(c.readChunk(), std::nullopt); // the last chunk
  EXPECT_TRUE(c.waitClosed());
}

TEST(HttpServer, Http10StreamEndsWithTheConnection) {
  RunningServer s([](const ServerRequest& r, ResponseWriter& w) { return streamThree(r, w); });
  TestConnection c(s.port());
  ASSERT_TRUE(c.send("GET /events HTTP/1.0\r\n\r\n"));
  auto r = c.readResponse(); // no chunking in HTTP/1.0: the body runs until the close
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_FALSE(r->header("Transfer-Encoding"));
  EXPECT_EQ(r->body, "onetwothree");
}

// Streams until the client leaves; reports that it noticed through `noticed`.
struct DisconnectProbe {
  std::promise<void> noticed;
  std::atomic<bool> done{false};
};

Awaitable<void> streamUntilClosed(DisconnectProbe* probe, ResponseWriter& w) {
  HeaderList headers{{"Content-Type", "text/plain"}};
  co_await w.startStream(200, std::move(headers));
  co_await w.write("hi");
  auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
  w.onClose([timer] { timer->cancel(); }); // may run at once if the client already left
  if (w.open()) {
    timer->expires_after(30s);
    boost::system::error_code ec;
    co_await timer->async_wait(redirect_error(use_awaitable, ec));
  }
  if (!w.open() && !probe->done.exchange(true)) {
    probe->noticed.set_value();
  }
  co_await w.endStream();
}

TEST(HttpServer, StreamNoticesClientDisconnect) {
  DisconnectProbe probe;
  auto noticed = probe.noticed.get_future();
  RunningServer s(
      [&probe](const ServerRequest&, ResponseWriter& w) { return streamUntilClosed(&probe, w); });
  {
    TestConnection c(s.port());
    ASSERT_TRUE(c.send(rawRequest("GET", "/s")));
    ASSERT_TRUE(c.readHead());
    EXPECT_EQ(c.readChunk(), "hi");
  } // client closes
  EXPECT_EQ(noticed.wait_for(5s), std::future_status::ready);
}

TEST(HttpServer, StopClosesListenerIdleConnectionsAndStreams) {
  DisconnectProbe probe;
  auto noticed = probe.noticed.get_future();
  auto s = std::make_unique<RunningServer>([&probe](const ServerRequest& r, ResponseWriter& w) {
    if (r.path == "/stream") {
      return streamUntilClosed(&probe, w);
    }
    return echoHandler(r, w);
  });
  const auto port = s->port();
  TestConnection idle(port);
  ASSERT_TRUE(idle.send(rawRequest("GET", "/")));
  ASSERT_TRUE(idle.readResponse());
  TestConnection stream(port);
  ASSERT_TRUE(stream.send(rawRequest("GET", "/stream")));
  ASSERT_TRUE(stream.readHead());
  EXPECT_EQ(stream.readChunk(), "hi");

  s->server().stop();
  EXPECT_TRUE(idle.waitClosed());
  EXPECT_TRUE(stream.waitClosed());
  EXPECT_EQ(noticed.wait_for(5s), std::future_status::ready);
  s.reset(); // joins the io thread: nothing may be left running
  TestConnection after(port);
  EXPECT_FALSE(after.connected());
}

TEST(HttpServer, ConnectionsOverTheLimitGet503) {
  ServerLimits limits;
  limits.maxConnections = 1;
  RunningServer s(echo(), limits);
  TestConnection first(s.port());
  ASSERT_TRUE(first.send(rawRequest("GET", "/")));
  ASSERT_TRUE(first.readResponse()); // now certainly registered, and kept alive
  TestConnection second(s.port());
  auto r = second.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  // The first connection is unaffected.
  ASSERT_TRUE(first.send(rawRequest("GET", "/again")));
  auto again = first.readResponse();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
}

// Polls (bounded) until `done` holds: connection bookkeeping happens on the server's thread.
template <class F> bool eventually(F done) {
  for (int i = 0; i < 500; ++i) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

TEST(HttpServer, IdleConnectionsAreClosedAfterTheHeaderDeadline) {
  ServerLimits limits;
  limits.headerTimeout = 300ms;
  limits.idleTimeout = 60s; // only between requests: a new connection gets no idle time
  RunningServer s(echo(), limits);
  std::vector<std::unique_ptr<TestConnection>> idle;
  for (int i = 0; i < 20; ++i) {
    idle.push_back(std::make_unique<TestConnection>(s.port()));
    ASSERT_TRUE(idle.back()->connected());
  }
  TestConnection partial(s.port());
  ASSERT_TRUE(partial.send("GET / HTTP/1.1\r\nHost: x\r\n")); // the header never ends
  for (auto& c : idle) {
    EXPECT_TRUE(c->waitClosed()) << "an idle connection outlived the header deadline";
  }
  auto r = partial.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(eventually([&] { return s.server().connectionCount() == 0; }));
  // A client that sends its request at once is served as before, and may stay idle between
  // requests for the keep-alive time.
  TestConnection c(s.port());
  ASSERT_TRUE(c.send(rawRequest("GET", "/a")));
  ASSERT_TRUE(c.readResponse());
  std::this_thread::sleep_for(400ms);
  ASSERT_TRUE(c.send(rawRequest("GET", "/b")));
  auto again = c.readResponse();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, "GET /b q=- x=- body=");
}

TEST(HttpServer, AdmissionKeepsReservedSlotsForNewClients) {
  ServerLimits l;
  l.maxConnections = 8;
  l.reservedConnections = 2;
  l.maxConnectionsPerClient = 3;
  EXPECT_EQ(admit(l, 0, 0), Admission::Normal);
  EXPECT_EQ(admit(l, 5, 2), Admission::Normal);
  EXPECT_EQ(admit(l, 5, 3), Admission::ClientBusy);
  EXPECT_EQ(admit(l, 6, 0), Admission::Reserve); // the normal slots are full
  EXPECT_EQ(admit(l, 7, 0), Admission::Reserve);
  EXPECT_EQ(admit(l, 6, 1), Admission::ServerBusy); // reserve only for clients without one
  EXPECT_EQ(admit(l, 8, 0), Admission::ServerBusy);
  EXPECT_EQ(admit(l, 7, 3), Admission::ClientBusy);
  l.maxConnectionsPerClient = 0; // unlimited
  EXPECT_EQ(admit(l, 5, 5), Admission::Normal);
  l.reservedConnections = 0;
  EXPECT_EQ(admit(l, 7, 7), Admission::Normal);
  EXPECT_EQ(admit(l, 8, 0), Admission::ServerBusy);
}

TEST(HttpServer, ClientsHoldingManyConnectionsCannotLockOthersOut) {
  ServerLimits limits;
  limits.maxConnections = 8;
  limits.reservedConnections = 2;
  limits.maxConnectionsPerClient = 3;
  RunningServer s(echo(), limits);
  // One client opens many idle connections: it gets its 3, the rest are refused at once.
  std::vector<std::unique_ptr<TestConnection>> held;
  int refused = 0;
  for (int i = 0; i < 10; ++i) {
    auto c = std::make_unique<TestConnection>(s.port(), "127.0.0.2");
    ASSERT_TRUE(c->connected()) << "cannot connect from 127.0.0.2";
    ASSERT_TRUE(eventually([&] {
      return s.server().connectionCount() >= static_cast<std::size_t>(std::min(i + 1, 3));
    }));
    if (i >= 3) {
      auto r = c->readResponse();
      ASSERT_TRUE(r) << i;
      EXPECT_EQ(r->status, 429) << i;
      EXPECT_EQ(r->header("Retry-After"), "1");
      ++refused;
    } else {
      held.push_back(std::move(c));
    }
  }
  EXPECT_EQ(refused, 7);
  auto ok = roundTrip(s.port(), "GET", "/fine");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  ASSERT_TRUE(eventually([&] { return s.server().connectionCount() == 3; }));
  // A second such client fills the remaining normal slots; a third gets one reserved slot
  // (and no more), so 7 of 8 slots are held by three idle clients.
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<TestConnection>(s.port(), "127.0.0.3"));
  }
  ASSERT_TRUE(eventually([&] { return s.server().connectionCount() == 6; }));
  held.push_back(std::make_unique<TestConnection>(s.port(), "127.0.0.4"));
  ASSERT_TRUE(eventually([&] { return s.server().connectionCount() == 7; }));
  TestConnection more(s.port(), "127.0.0.4");
  auto busy = more.readResponse();
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->status, 503);
  // A newcomer still gets an answer, on the last reserved slot, which serves one request only.
  TestConnection newcomer(s.port());
  ASSERT_TRUE(newcomer.send(rawRequest("GET", "/status")));
  auto r = newcomer.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_TRUE(newcomer.waitClosed());
  EXPECT_TRUE(eventually([&] { return s.server().connectionCount() == 7; }));
  auto next = roundTrip(s.port(), "GET", "/next");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200) << "the reserved slot is free again";
}

TEST(HttpServer, TransferEncodingOtherThanChunkedIs400) {
  RunningServer s(echo());
  const std::vector<std::string> bad = {
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc",
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"
      "\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
      "0\r\n\r\n",
      "POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
  };
  for (const auto& raw : bad) {
    TestConnection c(s.port());
    ASSERT_TRUE(c.send(raw));
    auto r = c.readResponse();
    ASSERT_TRUE(r) << raw;
    EXPECT_EQ(r->status, 400) << raw;
    EXPECT_TRUE(c.waitClosed()) << raw;
  }
  for (const char* te : {"chunked", "Chunked", " chunked "}) {
    TestConnection c(s.port());
    ASSERT_TRUE(c.send(std::string("POST /ok HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ") + te +
                       "\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
    auto r = c.readResponse();
    ASSERT_TRUE(r) << te;
    EXPECT_EQ(r->status, 200) << te;
    EXPECT_EQ(r->body, "POST /ok q=- x=- body=abc");
  }
}

TEST(HttpServer, EncodedSlashStaysInsideItsSegment) {
  ServerRequest parsed;
  ASSERT_TRUE(parseTarget("/api%2Fv1/a%20b//c%2f?x=%2F", parsed));
  EXPECT_EQ(parsed.segments, (std::vector<std::string>{"api/v1", "a b", "", "c/"}));
  EXPECT_EQ(parsed.path, "/api%2Fv1/a b//c%2F");
  EXPECT_EQ(parsed.query("x"), "/");
  ASSERT_TRUE(parseTarget("/", parsed));
  EXPECT_EQ(parsed.segments, std::vector<std::string>{""});
  EXPECT_FALSE(parseTarget("/a%00b", parsed));
  EXPECT_FALSE(parseTarget("/a/%zz", parsed));

  // The handler sees an encoded slash as part of a segment, never as a separator: a path
  // compared with "/admin/secret" cannot be reached through "/admin%2Fsecret".
  RunningServer s([](const ServerRequest& r, ResponseWriter& w) -> Awaitable<void> {
    std::string body = r.path + " ";
    for (const auto& seg : r.segments) {
      body += "[" + seg + "]";
    }
    co_await w.send(ServerResponse::text(200, body));
  });
  auto r = roundTrip(s.port(), "GET", "/admin%2Fsecret");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "/admin%2Fsecret [admin/secret]");
  r = roundTrip(s.port(), "GET", "/admin/secret");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "/admin/secret [admin][secret]");
  r = roundTrip(s.port(), "GET", "/files/a%2Fb/c");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "/files/a%2Fb/c [files][a/b][c]");
}

TEST(HttpServer, HeadIsAnsweredWithoutTheBody) {
  RunningServer s(echo());
  TestConnection c(s.port());
  ASSERT_TRUE(c.send(rawRequest("GET", "/thing")));
  auto get = c.readResponse();
  ASSERT_TRUE(get);
  ASSERT_TRUE(c.send(rawRequest("HEAD", "/thing")));
  auto head = c.readResponse(true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  // The length of the body a GET would have had ("HEAD /thing ..." is as long as "GET /thing"
  // plus one).
  EXPECT_EQ(head->header("Content-Length"), std::to_string(get->body.size() + 1));
  EXPECT_EQ(head->header("Content-Type"), get->header("Content-Type"));
  // The connection stays usable: no stray body bytes were sent.
  ASSERT_TRUE(c.send(rawRequest("GET", "/thing?q=2")));
  auto after = c.readResponse();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->body, "GET /thing q=2 x=- body=");
}

TEST(HttpServer, ListenFailuresAreValues) {
  asio::io_context io;
  HttpServer a(io.get_executor(), echo());
  auto port = a.listen("127.0.0.1", 0);
  ASSERT_TRUE(port);
  EXPECT_EQ(a.port(), *port);
  EXPECT_FALSE(a.listen("127.0.0.1", 0)); // only once

  HttpServer b(io.get_executor(), echo());
  auto clash = b.listen("127.0.0.1", *port);
  ASSERT_FALSE(clash);
  EXPECT_NE(clash.error().find("in use"), std::string::npos) << clash.error();

  HttpServer c(io.get_executor(), echo());
  EXPECT_FALSE(c.listen("192.0.2.1", 0)); // not an address of this machine
  HttpServer d(io.get_executor(), echo());
  EXPECT_FALSE(d.listen("", 0));
  a.stop();
  io.run();
}

} // namespace
} // namespace mcpwatch::net
