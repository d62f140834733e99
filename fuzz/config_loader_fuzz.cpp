// Config loader: any YAML (or JSON) text, with a fixed fake environment, yields either a Config
// or a list of errors that each name a problem; it never crashes or lets an exception escape.
#include "alerting/webhook_config.hpp"
#include "channels/discord_config.hpp"
#include "channels/email_config.hpp"
#include "channels/opsgenie_config.hpp"
#include "channels/slack_config.hpp"
#include "config/loader.hpp"
#include "fuzz/fuzz_check.hpp"
#include "pagerduty/pagerduty_config.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

using namespace mcpwatch::config;

namespace {

// The variables the example config and the docs use, with plausible values; others are unset.
const std::map<std::string, std::string, std::less<>>& fakeEnvironment() {
  static const std::map<std::string, std::string, std::less<>> env = {
      {"PD_ROUTING_KEY", "0123456789abcdef0123456789abcdef"},
      {"PD_INTERNAL_ROUTING_KEY", "fedcba9876543210fedcba9876543210"},
      {"GITHUB_TOKEN", "ghp_fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz"},
      {"WEBHOOK_SECRET", "whsec_ZnV6ei1zZWNyZXQtZnV6ei1zZWNyZXQ="},
      {"SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T000/B000/XXXXXXXX"},
      {"DISCORD_WEBHOOK_URL", "https://discord.com/api/webhooks/123/abcdef"},
      {"OPSGENIE_API_KEY", "00000000-1111-2222-3333-444444444444"},
      {"SMTP_PASSWORD", "smtp-password"},
      {"MCPWATCH_ADMIN_TOKEN", "admin-token-0123456789"},
      {"HEALTHCHECKS_UUID", "5f0e4b8a-1c2d-4e3f-9a8b-7c6d5e4f3a2b"},
      {"EMPTY", ""},
      {"DOLLAR", "${NOT_EXPANDED_AGAIN}"},
  };
  return env;
}

std::optional<std::string> lookup(std::string_view name) {
  const auto& env = fakeEnvironment();
  if (auto it = env.find(name); it != env.end())
    return it->second;
  return std::nullopt;
}

// Every sink type's parser, as the app's registry (app/sinks.cpp) lists them: the registry itself
// links delivery code, which is not compiled here.
const SinkTypes& sinkTypes() {
  static const SinkTypes types = {
      mcpwatch::pagerduty::pagerDutySinkType(), mcpwatch::alerting::webhookSinkType(),
      mcpwatch::channels::slackSinkType(),      mcpwatch::channels::discordSinkType(),
      mcpwatch::channels::opsGenieSinkType(),   mcpwatch::channels::emailSinkType()};
  return types;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // Relative storage and flag-file paths resolve under a directory that does not exist, so the
  // result never depends on the machine's files (time zones still come from the system).
  auto result =
      loadConfigText(text, "fuzz.yaml", lookup, sinkTypes(), "/nonexistent-mcpwatch-fuzz");
  if (!result) {
    FUZZ_CHECK(!result.error().empty());
    for (const auto& e : result.error()) {
      FUZZ_CHECK(!e.message.empty());
      FUZZ_CHECK(e.line >= 0);
      FUZZ_CHECK(!e.toString().empty());
    }
  }
  return 0;
}
