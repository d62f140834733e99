// Durable commits a coroutine awaits: the commit runs on the store's writer thread and the
// coroutine resumes on its own executor, so the loop it runs on goes on meanwhile (other probes,
// deliveries and requests are never held up by an fsync).
#pragma once

#include "common/asio.hpp"
#include "store/store.hpp"

#include <memory>
#include <utility>
#include <vector>

namespace mcpwatch::store {

// Store::commitAsync as an awaitable: all of `ops` or none, fsync'd, then resumes the caller.
// The store's writer posts the result to the coroutine's executor, so that executor's context
// must outlive the store's pending commits: close the store (which finishes them) before
// destroying the event loop, as `mcpwatch run` does; a result posted to a stopped loop is
// dropped with it.
inline Awaitable<WriteResult> commitAwaitable(Store& store, std::vector<WriteOp> ops) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(WriteResult)>(
      [&store](auto handler, std::vector<WriteOp> ops) {
        // std::function needs a copyable callable; the coroutine's handler is move-only.
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        store.commitAsync(std::move(ops), [shared](WriteResult result) {
          auto home = asio::get_associated_executor(*shared);
          asio::post(home, [shared, result = std::move(result)]() mutable {
            std::move (*shared)(std::move(result));
          });
        });
      },
      use_awaitable, std::move(ops));
}

} // namespace mcpwatch::store
