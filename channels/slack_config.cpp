#include "channels/slack_config.hpp"

namespace mcpwatch::channels {
namespace {

using Node = config::yaml::Node;
using config::kSinkCommonKeys;
using config::kSinkTimeoutRange;
std::optional<config::SinkSettings> parse(config::Reader& in, const Node& node,
                                          const std::string& path) {
  static const std::vector<std::string_view> kKeys = {"type", "url", "schema_drift", "timeout"};
  auto f = in.fields(node, path, {&kKeys, &kSinkCommonKeys});
  if (!f)
    return std::nullopt;
  std::size_t before = in.errorCount();
  SlackSinkConfig slack;
  if (auto n = f->get("url")) {
    if (auto v = in.webhookUrl(*n, f->path("url"), "Slack"))
      slack.url = std::move(*v);
  } else {
    in.error(f->path("url"), f->line(), "is required (the incoming webhook URL)");
  }
  if (auto n = f->get("schema_drift"))
    if (auto v = in.boolean(*n, f->path("schema_drift")))
      slack.schemaDrift = *v;
  if (auto n = f->get("timeout"))
    if (auto v = in.duration(*n, f->path("timeout"), kSinkTimeoutRange))
      slack.timeout = *v;
  if (in.errorCount() != before)
    return std::nullopt;
  return slack;
}

} // namespace

config::SinkType slackSinkType() {
  return {"slack", parse, ""};
}

} // namespace mcpwatch::channels
