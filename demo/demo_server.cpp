// Demo server wiring: the synchronous DemoMcp behind the HTTP server, plus the legacy SSE stream
// loop (endpoint event, queued answers, keep-alive comments).
// clang-format off
#include <utility> // before common/asio.hpp: Boost 1.74's awaitable.hpp uses std::exchange
// clang-format on
#include "demo/demo_server.hpp"

#include <boost/system/error_code.hpp>

namespace mcpwatch::demo {

namespace {

// Removes the stream's session however the coroutine ends (client gone, stop, exception).
class SseRegistration {
public:
  SseRegistration(std::shared_ptr<DemoMcp> mcp, std::string id)
      : mcp_(std::move(mcp)), id_(std::move(id)) {}
  ~SseRegistration() { mcp_->closeSse(id_); }
  SseRegistration(const SseRegistration&) = delete;
  SseRegistration& operator=(const SseRegistration&) = delete;

private:
  std::shared_ptr<DemoMcp> mcp_;
  std::string id_;
};

Awaitable<void> serveSse(std::shared_ptr<DemoMcp> mcp, const net::ServerRequest& request,
                         net::ResponseWriter& writer) {
  auto opened = mcp->openSse(request);
  if (!opened) {
    co_await writer.send(std::move(opened.error()));
    co_return;
  }
  std::shared_ptr<SseChannel> channel = std::move(*opened);
  SseRegistration registration(mcp, channel->id());

  // New messages, the client leaving and stop() all cancel the wait; the timer may be woken
  // from other threads, so the cancel is posted to this connection's strand.
  auto executor = co_await asio::this_coro::executor;
  auto timer = std::make_shared<asio::steady_timer>(executor);
  std::weak_ptr<asio::steady_timer> weakTimer = timer;
  auto wake = [executor, weakTimer] {
    asio::post(executor, [weakTimer] {
      if (auto t = weakTimer.lock()) {
        t->cancel();
      }
    });
  };
  channel->setWake(wake);
  writer.onClose(wake);

  // Built outside the co_await: g++ 12 miscompiles initializer lists inside co_await operands.
  net::HeaderList headers{{"Content-Type", "text/event-stream"},
                          {"Cache-Control", "no-cache, no-transform"},
                          {"X-Accel-Buffering", "no"}};
  if (!co_await writer.startStream(200, std::move(headers))) {
    co_return;
  }
  if (!co_await writer.write("event: endpoint\ndata: /message?sessionId=" + channel->id() +
                             "\n\n")) {
    co_return;
  }
  while (writer.open()) {
    auto drained = channel->drain();
    for (const auto& event : drained.events) {
      if (!co_await writer.write(event)) {
        co_return;
      }
    }
    if (drained.closed) {
      break;
    }
    timer->expires_after(mcp->options().sseKeepAlive);
    boost::system::error_code ec;
    co_await timer->async_wait(redirect_error(use_awaitable, ec));
    if (!ec && !co_await writer.write(": keep-alive\n\n")) {
      co_return;
    }
  }
  co_await writer.endStream();
}

Awaitable<void> serveDemo(std::shared_ptr<DemoMcp> mcp, const net::ServerRequest& request,
                          net::ResponseWriter& writer) {
  if (request.path == "/sse" && request.method == "GET") {
    co_await serveSse(std::move(mcp), request, writer);
    co_return;
  }
  co_await writer.send(mcp->handle(request));
}

} // namespace

net::Handler makeDemoHandler(std::shared_ptr<DemoMcp> mcp) {
  return [mcp](const net::ServerRequest& request, net::ResponseWriter& writer) {
    return serveDemo(mcp, request, writer);
  };
}

common::Expected<std::unique_ptr<DemoServer>, std::string>
startDemoServer(asio::any_io_executor executor, std::string_view host, std::uint16_t port,
                DemoServerConfig config) {
  auto mcp = std::make_shared<DemoMcp>(std::move(config.clock), std::move(config.options));
  auto http =
      std::make_unique<net::HttpServer>(executor, makeDemoHandler(mcp), std::move(config.limits));
  auto bound = http->listen(host, port);
  if (!bound) {
    return common::unexpected(std::move(bound.error()));
  }
  return std::make_unique<DemoServer>(std::move(mcp), std::move(http));
}

} // namespace mcpwatch::demo
