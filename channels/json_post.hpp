// The delivery routine Slack, Discord and OpsGenie share: one JSON POST to their HTTP API.
#pragma once

#include "alerting/webhook_sink.hpp"
#include "common/json.hpp"
#include "common/url.hpp"

#include <string>
#include <utility>
#include <vector>

namespace mcpwatch::channels {

struct JsonPost {
  common::Url url;
  common::Json body; // serialised once; text that is not UTF-8 is replaced, never refused
  std::string contentType = "application/json";
  std::vector<std::pair<std::string, std::string>> headers; // besides Content-Type
  alerting::Duration timeout{};
};

// Sends `post` once (a fresh client, no redirects). The result is the HTTP answer classified by
// its status, or a retry without status when nothing answered; the sink reads the response for
// what its API means beyond the status (Slack's "ok", Discord's retry_after, OpsGenie's errors).
Awaitable<alerting::Exchange> postJson(asio::any_io_executor executor, JsonPost post);

} // namespace mcpwatch::channels
