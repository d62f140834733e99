// The Discord sink: one embed per event through a webhook with ?wait=true (README "Discord";
// reference: alerting-contracts.md section 4.2).
#pragma once

#include "alerting/sink.hpp"
#include "channels/discord_config.hpp"
#include "channels/event_text.hpp"
#include "common/json.hpp"
#include "common/secret.hpp"
#include "common/url.hpp"
#include "config/config.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mcpwatch::channels {

// Discord's documented message limits (characters, i.e. code points).
inline constexpr std::size_t kDiscordMaxContent = 2000;
inline constexpr std::size_t kDiscordMaxEmbeds = 10;
inline constexpr std::size_t kDiscordMaxTitle = 256;
inline constexpr std::size_t kDiscordMaxDescription = 4096;
inline constexpr std::size_t kDiscordMaxFields = 25;
inline constexpr std::size_t kDiscordMaxFieldName = 256;
inline constexpr std::size_t kDiscordMaxFieldValue = 1024;
inline constexpr std::size_t kDiscordMaxFooter = 2048;
inline constexpr std::size_t kDiscordMaxAuthor = 256;
inline constexpr std::size_t kDiscordMaxEmbedTotal = 6000; // all embeds of one message together
inline constexpr std::size_t kDiscordMaxUsername = 80;

// Embed colours (0xRRGGBB integers): red for down, green for resolved, amber for drift.
inline constexpr int kDiscordRed = 0xE01E5A;
inline constexpr int kDiscordGreen = 0x2EB67D;
inline constexpr int kDiscordAmber = 0xECB22E;

// Escapes Discord markdown (\ * _ ~ ` | > # [ ] ( ) < and '-' at the start of a line) so the text
// shows literally, drops control characters other than newline and tab, and puts a zero-width
// space after every '@' so no mention (@everyone, @here, <@id>, <@&id>) can form even if
// allowed_mentions were ignored. `<#id>` cannot form either because '<' and '#' are escaped.
std::string escapeDiscordMarkdown(std::string_view text);

// Cuts rendered markdown to at most `maxChars` code points on a UTF-8 boundary, ending with "…"
// when cut, and never leaving a dangling escape backslash before the "…".
std::string cutDiscordText(std::string_view markdown, std::size_t maxChars);

// The characters Discord counts against the 6000 limit in one embed: title, description, field
// names and values, footer text and author name.
std::size_t discordEmbedChars(const common::Json& embed);

// The webhook message for one event: `content` (the headline), exactly one embed (colour, title,
// url, description, fields, timestamp, footer), `allowed_mentions: {"parse": []}`, and `username`
// when set. Every limit, including the 6000 total, is met by truncation, never by failing.
common::Json discordMessage(const Event& event, std::string_view publicUrl,
                            std::string_view username);

// The URL to POST to: the webhook URL with wait=true (any other query, such as thread_id, is
// kept; an existing wait parameter is replaced). nullopt when it is not an http(s) URL.
std::optional<common::Url> discordRequestUrl(const common::Secret& webhookUrl);

// Discord's error body as one log-friendly line: "Invalid Form Body (code 50035):
// embeds.0.title: Must be 256 or fewer in length." Never longer than 1000 characters.
std::string describeDiscordError(std::string_view body);

class DiscordSink final : public alerting::Sink {
public:
  DiscordSink(channels::DiscordSinkConfig config, alerting::SinkContext context);
  Awaitable<alerting::AttemptResult> deliver(alerting::Delivery delivery) override;

private:
  channels::DiscordSinkConfig config_;
  alerting::SinkContext context_;
};

std::unique_ptr<alerting::Sink> makeDiscordSink(const config::SinkConfig& sink,
                                                const alerting::SinkContext& context);
// The Discord sink type: its builder and its settings snapshot.
common::Json saveDiscordSettings(const channels::DiscordSinkConfig& settings);
std::optional<channels::DiscordSinkConfig> loadDiscordSettings(const common::Json& json);
alerting::SinkKind discordSinkKind();

} // namespace mcpwatch::channels
