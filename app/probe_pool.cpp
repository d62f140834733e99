#include "app/probe_pool.hpp"

#include <algorithm>

namespace mcpwatch::app {

ProbePool::ProbePool(unsigned threads) {
  for (unsigned i = 0; i < std::max(1u, threads); ++i) {
    auto w = std::make_unique<Worker>();
    w->guard.emplace(asio::make_work_guard(w->io));
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_)
    threads_.emplace_back([io = &w->io] { io->run(); });
}

ProbePool::~ProbePool() {
  stop();
}

asio::any_io_executor ProbePool::next() {
  auto& w = *workers_[turn_++ % workers_.size()];
  return w.io.get_executor();
}

void ProbePool::stop() {
  for (auto& w : workers_) {
    w->guard.reset();
    w->io.stop();
  }
  for (auto& t : threads_)
    if (t.joinable())
      t.join();
}

Awaitable<prober::ProbeResult> probeOn(asio::any_io_executor executor,
                                       prober::ProbeOptions options) {
  co_return co_await asio::co_spawn(executor, prober::probe(std::move(options)), use_awaitable);
}

} // namespace mcpwatch::app
