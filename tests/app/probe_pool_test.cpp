// ProbePool: probes run on the pool's own threads, dealt in turn, and the caller resumes on its
// own executor with the probe's result.
#include "app/probe_pool.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <gtest/gtest.h>
#include <set>
#include <thread>

namespace mcpwatch::app {
namespace {

TEST(ProbePool, WorkIsDealtInTurnToThreadsOfItsOwn) {
  ProbePool pool(2);
  EXPECT_EQ(pool.threads(), 2u);
  std::set<std::thread::id> ran;
  for (int i = 0; i < 4; ++i) {
    std::promise<std::thread::id> where;
    asio::post(pool.next(), [&where] { where.set_value(std::this_thread::get_id()); });
    ran.insert(where.get_future().get());
  }
  EXPECT_EQ(ran.size(), 2u) << "both threads take turns";
  EXPECT_EQ(ran.count(std::this_thread::get_id()), 0u) << "never the caller's thread";
}

TEST(ProbePool, AProbeRunsThereAndTheCallerResumesOnItsOwnThread) {
  // A port nothing listens on: a real probe that fails fast with connect_refused.
  asio::io_context io;
  asio::ip::tcp::acceptor closed(io, {asio::ip::make_address("127.0.0.1"), 0});
  const auto port = closed.local_endpoint().port();
  closed.close();

  ProbePool pool(2);
  prober::ProbeOptions options;
  options.url = "http://127.0.0.1:" + std::to_string(port) + "/mcp";
  options.timeout = std::chrono::seconds(5);
  std::optional<prober::ProbeResult> result;
  std::thread::id resumedOn;
  asio::co_spawn(
      io,
      [&]() -> Awaitable<void> {
        result = co_await probeOn(pool.next(), options);
        resumedOn = std::this_thread::get_id();
      },
      asio::detached);
  io.run();
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->ok);
  ASSERT_TRUE(result->failure);
  EXPECT_EQ(result->failure->reason, prober::FailureReason::ConnectRefused);
  EXPECT_EQ(resumedOn, std::this_thread::get_id());
}

TEST(ProbePool, StopJoinsItsThreadsAndIsSafeTwice) {
  ProbePool pool(3);
  std::promise<void> ran;
  asio::post(pool.next(), [&ran] { ran.set_value(); });
  ran.get_future().get();
  pool.stop();
  pool.stop(); // the destructor stops again
}

} // namespace
} // namespace mcpwatch::app
