// The Slack sink: Block Kit messages to an incoming webhook, paced per webhook URL, with Slack's
// answers mapped onto the outbox's retry rule (README "Slack"; reference: alerting-contracts.md
// section 4.1).
#pragma once

#include "alerting/sink.hpp"
#include "channels/event_text.hpp"
#include "channels/slack_config.hpp"
#include "common/json.hpp"
#include "config/config.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mcpwatch::channels {

// Slack's documented Block Kit limits, in characters. The sink counts UTF-16 units (as Slack's
// JavaScript does: an emoji past U+FFFF is two), which is never fewer than code points.
inline constexpr std::size_t kSlackMaxBlocks = 50; // top-level and attachment blocks together
inline constexpr std::size_t kSlackMaxSectionText = 3000;
inline constexpr std::size_t kSlackMaxHeaderText = 150;
inline constexpr std::size_t kSlackMaxFieldText = 2000;
inline constexpr std::size_t kSlackMaxFields = 10;
inline constexpr std::size_t kSlackMaxButtonText = 75;
inline constexpr std::size_t kSlackMaxButtonUrl = 3000;
inline constexpr std::size_t kSlackMaxContextElements = 10;
inline constexpr std::size_t kSlackMaxTotalText = 40000; // Slack truncates beyond this

// Slack asks for no more than one message per second per incoming webhook.
inline constexpr std::chrono::milliseconds kSlackPaceInterval{1000};
// A pace wait longer than this is handed back to the outbox as a deferral (queued, not dropped).
inline constexpr std::chrono::milliseconds kSlackMaxPaceWait{5000};

// Text escaped for Slack: '&', '<', '>' become entities (so "<!channel>", "<@U123>" and
// "<http://x|y>" from a server can neither ping nor link), control and bidi-override characters
// are dropped, line breaks become spaces unless `keepNewlines`. At most `maxChars` characters
// (entities count with their full length); a cut ends in "…" and never splits a code point or an
// entity. Invalid UTF-8 becomes U+FFFD.
std::string slackEscape(std::string_view text, std::size_t maxChars, bool keepNewlines = false);

// A server string for a mrkdwn text: escaped as above, inside an inline code span where Slack
// applies no formatting ('*', '_', '~' stay literal); backticks become 'ˋ' (U+02CB) so the span
// cannot be closed early. Empty text gives "—". The result is at most `maxChars` characters.
std::string slackCode(std::string_view text, std::size_t maxChars);
// The same for multi-line text, as a ``` block that keeps the line breaks.
std::string slackCodeBlock(std::string_view text, std::size_t maxChars);

// The complete webhook payload for one event: a top-level `text` (the headline, used for
// notifications; mrkdwn off), a header block with emoji and title, and one attachment whose
// colour bar tells trigger ("danger"), resolve ("good") and drift ("warning") apart, holding the
// fact fields, detail, recent failures or tool lists, and buttons to the status page and the
// endpoint. Every Slack limit is met by truncation, never by failing.
common::Json slackMessage(const Event& event, std::string_view publicUrl);

// Counts the characters (UTF-16 units) of every text a Slack message holds (what Slack's 40,000
// budget counts).
std::size_t slackTextLength(const common::Json& message);

class SlackSink final : public alerting::Sink {
public:
  SlackSink(channels::SlackSinkConfig config, alerting::SinkContext context);
  Awaitable<alerting::AttemptResult> deliver(alerting::Delivery delivery) override;

private:
  channels::SlackSinkConfig config_;
  alerting::SinkContext context_;
};

std::unique_ptr<alerting::Sink> makeSlackSink(const config::SinkConfig& sink,
                                              const alerting::SinkContext& context);
// The Slack sink type: its builder and its settings snapshot.
common::Json saveSlackSettings(const channels::SlackSinkConfig& settings);
std::optional<channels::SlackSinkConfig> loadSlackSettings(const common::Json& json);
alerting::SinkKind slackSinkKind();

} // namespace mcpwatch::channels
