// One JSON POST for the chat and on-call sinks.
#include "channels/json_post.hpp"

namespace mcpwatch::channels {

Awaitable<alerting::Exchange> postJson(asio::any_io_executor executor, JsonPost post) {
  net::Request request;
  request.method = "POST";
  request.url = std::move(post.url);
  request.headers.set("Content-Type", post.contentType);
  for (const auto& [name, value] : post.headers)
    request.headers.set(name, value);
  request.body = post.body.dump(-1, ' ', false, common::Json::error_handler_t::replace);
  co_return co_await alerting::exchangeOnce(std::move(executor), std::move(request), post.timeout);
}

} // namespace mcpwatch::channels
