#include "channels/discord_config.hpp"

#include "common/strings.hpp"

namespace mcpwatch::channels {
namespace {

using Node = config::yaml::Node;
using config::kSinkCommonKeys;
using config::kSinkTimeoutRange;
std::optional<config::SinkSettings> parse(config::Reader& in, const Node& node,
                                          const std::string& path) {
  static const std::vector<std::string_view> kKeys = {"type", "url", "username", "schema_drift",
                                                      "timeout"};
  auto f = in.fields(node, path, {&kKeys, &kSinkCommonKeys});
  if (!f)
    return std::nullopt;
  std::size_t before = in.errorCount();
  DiscordSinkConfig discord;
  if (auto n = f->get("url")) {
    if (auto v = in.webhookUrl(*n, f->path("url"), "Discord"))
      discord.url = std::move(*v);
  } else {
    in.error(f->path("url"), f->line(), "is required (the webhook URL)");
  }
  if (auto n = f->get("username")) {
    if (auto v = in.nonEmpty(*n, f->path("username"))) {
      // Discord refuses names over 80 characters and names containing "discord" or "clyde".
      const auto lower = common::toLower(*v);
      if (common::truncateCodePoints(*v, 80) != *v)
        in.error(f->path("username"), *n, "must be at most 80 characters");
      else if (lower.find("discord") != std::string::npos ||
               lower.find("clyde") != std::string::npos)
        in.error(f->path("username"), *n, "must not contain \"discord\" or \"clyde\"");
      else
        discord.username = *v;
    }
  }
  if (auto n = f->get("schema_drift"))
    if (auto v = in.boolean(*n, f->path("schema_drift")))
      discord.schemaDrift = *v;
  if (auto n = f->get("timeout"))
    if (auto v = in.duration(*n, f->path("timeout"), kSinkTimeoutRange))
      discord.timeout = *v;
  if (in.errorCount() != before)
    return std::nullopt;
  return discord;
}

} // namespace

config::SinkType discordSinkType() {
  return {"discord", parse, ""};
}

} // namespace mcpwatch::channels
