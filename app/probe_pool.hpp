// The probes' own threads: HTTP, TLS and JSON work of a large fleet runs on every core, while the
// daemon's loop only schedules and decides. Each thread runs its own single-threaded io_context
// (no locks, no strands, no cross-thread wake-ups per I/O step); probes are dealt to them in
// turn, and results come back on the daemon's executor.
#pragma once

#include "common/asio.hpp"
#include "prober/probe.hpp"

#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace mcpwatch::app {

class ProbePool {
public:
  explicit ProbePool(unsigned threads); // at least 1
  ~ProbePool();                         // stop()
  ProbePool(const ProbePool&) = delete;
  ProbePool& operator=(const ProbePool&) = delete;

  unsigned threads() const { return static_cast<unsigned>(threads_.size()); }
  // The executor of the next thread in turn (call it from one thread only: the daemon's).
  asio::any_io_executor next();
  // Stops the threads and joins them; probes still running are abandoned (destroyed with the
  // pool) and never complete.
  void stop();

private:
  struct Worker {
    asio::io_context io{1};
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  };
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  std::size_t turn_ = 0;
};

// Runs prober::probe on `executor` and resumes the caller on its own executor.
Awaitable<prober::ProbeResult> probeOn(asio::any_io_executor executor,
                                       prober::ProbeOptions options);

} // namespace mcpwatch::app
