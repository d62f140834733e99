// The email sink: renders an event as a multipart/alternative RFC 5322 message and sends it with
// libcurl's SMTP client on the blocking executor (a slow mail server never stalls the loop).
#include "channels/email_sink.hpp"

#include "channels/email_config.hpp"
#include "channels/text.hpp"
#include "common/crypto.hpp"
#include "common/log.hpp"
#include "common/strings.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/thread_pool.hpp>
#include <cstdio>
#include <ctime>
#include <curl/curl.h>
#include <mutex>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace mcpwatch::channels {
namespace {

// Header lines are folded here (RFC 5322 section 2.1.1 recommends 78 characters).
constexpr std::size_t kFoldColumn = 78;
// UTF-8 bytes per encoded-word: base64 of 36 bytes is 48 characters, the word 60, so even the
// first line ("Subject: " + word) stays under 78 columns.
constexpr std::size_t kEncodedWordBytes = 36;
// No header token may make a line longer than this (RFC 5322's hard limit is 998).
constexpr std::size_t kMaxTokenBytes = 900;
// Bounds on server-provided text, so a hostile server cannot make a huge mail.
constexpr std::size_t kMaxNameChars = 200;
constexpr std::size_t kMaxValueChars = 1000;
constexpr std::size_t kMaxDetailChars = 4000;
constexpr std::size_t kMaxListItems = 50;
constexpr std::string_view kFallbackDomain = "mcpwatch.local";

bool isAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Control characters (CR and LF above all) become spaces: a value stays on its line. Unlike the
// chat sinks' oneLine (text.hpp), spacing is kept as given (mail shows the text, it does not reflow
// it).
std::string mailLine(std::string_view s) {
  return controlsToSpaces(s);
}

std::string clip(std::string_view s, std::size_t maxChars) {
  return common::truncateCodePoints(mailLine(s), maxChars);
}

// Multi-line text (a failure detail): line breaks kept as "\n", other controls become spaces.
std::string clipLines(std::string_view s, std::size_t maxChars) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (s[i] == '\r') {
      if (i + 1 < s.size() && s[i + 1] == '\n')
        continue;
      out += '\n';
    } else if (s[i] == '\n') {
      out += '\n';
    } else {
      out += isControl(u) ? ' ' : s[i];
    }
  }
  return common::truncateCodePoints(out, maxChars);
}

// Joins folded tokens after "Name:", breaking before a token that would pass the fold column.
std::string foldTokens(std::string_view name, const std::vector<std::string>& tokens) {
  std::string out;
  std::string line = std::string(name) + ":";
  bool lineHasToken = false;
  for (const auto& token : tokens) {
    if (lineHasToken && line.size() + 1 + token.size() > kFoldColumn) {
      out += line + "\r\n";
      line.clear();
    }
    line += " " + token;
    lineHasToken = true;
  }
  return out + line + "\r\n";
}

// RFC 2047 B encoded-words of UTF-8 text, each a separate token (whitespace between adjacent
// encoded-words is dropped by decoders, so the text round-trips exactly).
std::vector<std::string> encodedWords(std::string_view text) {
  std::vector<std::string> words;
  while (!text.empty()) {
    auto chunk = common::truncateUtf8(text, kEncodedWordBytes);
    if (chunk.empty()) // an invalid sequence longer than the chunk: take the bytes as they are
      chunk = std::string(text.substr(0, kEncodedWordBytes));
    words.push_back("=?UTF-8?B?" + common::base64Encode(chunk) + "?=");
    text.remove_prefix(chunk.size());
  }
  return words;
}

std::vector<std::string> asciiWords(std::string_view text) {
  std::vector<std::string> words;
  for (auto word : common::split(text, ' ')) {
    while (word.size() > kMaxTokenBytes) {
      words.emplace_back(word.substr(0, kMaxTokenBytes));
      word.remove_prefix(kMaxTokenBytes);
    }
    if (!word.empty())
      words.emplace_back(word);
  }
  return words;
}

// Text that a mail client would show differently than written needs encoding: non-ASCII, and
// ASCII that looks like an encoded-word (a server name cannot smuggle a decoded string in).
bool needsEncoding(std::string_view text) {
  return !isAscii(text) || text.find("=?") != std::string_view::npos;
}

struct Mailbox {
  std::string name;    // display name, may be empty
  std::string address; // addr-spec
};

Mailbox parseMailbox(std::string_view text) {
  const auto clean = mailLine(text);
  std::string_view s = common::trim(clean);
  const auto open = s.rfind('<');
  const auto close = s.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
    std::string name(common::trim(s.substr(0, open)));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"')
      name = name.substr(1, name.size() - 2);
    return {name, std::string(common::trim(s.substr(open + 1, close - open - 1)))};
  }
  return {"", std::string(s)};
}

// Mailbox tokens: the display name quoted (or encoded), then "<address>".
void mailboxTokens(const Mailbox& mailbox, std::vector<std::string>& tokens) {
  // The address never holds spaces, angle brackets or quotes (they would end it early).
  std::string address;
  for (char c : mailbox.address)
    if (c != ' ' && c != '<' && c != '>' && c != '"' && c != ',')
      address += c;
  address = address.substr(0, kMaxTokenBytes - 4);
  if (!mailbox.name.empty()) {
    const auto name = common::truncateCodePoints(mailbox.name, kMaxNameChars);
    if (needsEncoding(name)) {
      for (auto& word : encodedWords(name))
        tokens.push_back(std::move(word));
    } else {
      std::string quoted = "\"";
      for (char c : name) {
        if (c == '"' || c == '\\')
          quoted += '\\';
        quoted += c;
      }
      tokens.push_back(quoted + "\"");
    }
  }
  tokens.push_back("<" + address + ">");
}

std::string addressListHeader(std::string_view name, const std::vector<std::string>& mailboxes) {
  std::vector<std::string> tokens;
  for (std::size_t i = 0; i < mailboxes.size(); ++i) {
    mailboxTokens(parseMailbox(mailboxes[i]), tokens);
    if (i + 1 < mailboxes.size())
      tokens.back() += ",";
  }
  return foldTokens(name, tokens);
}

// Message-ID left parts keep to dot-atom characters.
std::string idPart(std::string_view id) {
  std::string out;
  for (char c : id.substr(0, 128)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-' || c == '+';
    out += ok ? c : '_';
  }
  return out.empty() ? "event" : out;
}

std::string rfc5322Date(common::WallTime now) {
  static constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed",
                                                    "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buffer;
}

// Only http(s) URLs become links: a `javascript:` check URL stays text.
bool linkable(std::string_view url) {
  return (common::toLower(url.substr(0, 8)) == "https://" ||
          common::toLower(url.substr(0, 7)) == "http://") &&
         url.find_first_of(" \t\r\n") == std::string_view::npos;
}

struct Fact {
  std::string label;
  std::string value; // plain text; may hold "\n" (detail)
  bool link = false; // value is a URL to link to
};

std::string subjectOf(const Event& e) {
  if (e.type == EventType::Reminder) {
    // A reply in the trigger's thread: clients that thread by subject (Gmail) keep it there too.
    Event trigger = e;
    trigger.type = EventType::Triggered;
    return "Re: " + subjectOf(trigger);
  }
  std::string out = e.test ? "[TEST] " : "";
  out += "[" + std::string(statusWord(e.type)) + "] " + clip(e.name, kMaxNameChars);
  switch (e.type) {
  case EventType::Reminder: // above
  case EventType::Triggered:
    if (!whatFailed(e).empty())
      out += ": " + clip(whatFailed(e), 100);
    break;
  case EventType::Resolved:
    if (e.durationSeconds)
      out += " (down " + humanDuration(*e.durationSeconds) + ")";
    break;
  case EventType::SchemaDrifted:
    if (e.schema)
      out += ": " + driftSummary(*e.schema);
    break;
  case EventType::ProtocolChanged:
    if (e.protocol)
      out += ": " + clip(protocolSummary(*e.protocol), 100);
    break;
  }
  return out;
}

std::string statusUrlOf(const Event& e, std::string_view publicUrl) {
  if (!e.statusUrl.empty())
    return clip(e.statusUrl, kMaxValueChars);
  if (publicUrl.empty())
    return {};
  std::string base(publicUrl);
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  return clip(base + "/status/" + e.slug, kMaxValueChars);
}

std::vector<Fact> factsOf(const Event& e, std::string_view statusUrl) {
  std::vector<Fact> facts;
  auto add = [&](std::string label, std::string value, bool link = false) {
    if (!value.empty())
      facts.push_back({std::move(label), std::move(value), link});
  };
  add("Server", clip(e.name, kMaxNameChars) + " (" + clip(e.slug, kMaxNameChars) + ")");
  add("Status", std::string(statusWord(e.type)) + (e.test ? " (test alert)" : ""));
  add("About", clipLines(e.description, kMaxValueChars));
  add("Owner", clip(e.owner, kMaxValueChars));
  if (e.type == EventType::Triggered && !e.dependents.empty()) {
    std::string held;
    for (std::size_t i = 0; i < e.dependents.size() && i < kMaxListItems; ++i)
      held += (i ? ", " : "") + clip(e.dependents[i], kMaxNameChars);
    add("Dependents", held);
  }
  add("Runbook", clip(e.runbookUrl, kMaxValueChars), true);
  for (std::size_t i = 0; i < e.links.size() && i < kMaxListItems; ++i)
    add(clip(e.links[i].name, kMaxNameChars), clip(e.links[i].url, kMaxValueChars), true);
  add("Endpoint", clip(e.checkUrl, kMaxValueChars), true);
  if (e.type == EventType::Triggered) {
    add("Reason", clip(e.reason, kMaxValueChars));
    add("Detail", clipLines(e.detail, kMaxDetailChars));
    if (e.consecutiveFailures > 0)
      add("Consecutive failures", std::to_string(e.consecutiveFailures));
  }
  if (e.type == EventType::Reminder)
    add("Reason", clip(e.reason, kMaxValueChars));
  if (e.type == EventType::Triggered || e.type == EventType::Resolved ||
      e.type == EventType::Reminder)
    add("Down since", clip(e.downSince, 64));
  if (e.protocol)
    add("Protocol change", clip(protocolSummary(*e.protocol), 200));
  if ((e.type == EventType::Resolved || e.type == EventType::Reminder) && e.durationSeconds)
    add("Down for", humanDuration(*e.durationSeconds));
  if (e.responseTimeMs) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f ms", *e.responseTimeMs);
    add("Response time", buffer);
  }
  add("Protocol version", clip(e.protocolVersion, 100));
  std::string tags;
  for (std::size_t i = 0; i < e.tags.size() && i < kMaxListItems; ++i)
    tags += (i ? ", " : "") + clip(e.tags[i], 100);
  add("Tags", tags);
  add("Note", clipLines(e.note, kMaxValueChars));
  add("Incident", clip(e.incidentId, 128));
  add("Event", clip(e.id, 128));
  add("Occurred at", clip(e.occurredAt, 64));
  add("Status page", std::string(statusUrl), true);
  return facts;
}

// A list cut to kMaxListItems entries, with a last line saying how many were left out.
std::vector<std::string> boundedList(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < items.size() && i < kMaxListItems; ++i)
    out.push_back(clip(items[i], kMaxValueChars));
  if (items.size() > kMaxListItems)
    out.push_back("… and " + std::to_string(items.size() - kMaxListItems) + " more");
  return out;
}

struct Section {
  std::string title;
  std::vector<std::string> items;
};

std::vector<Section> sectionsOf(const Event& e) {
  std::vector<Section> sections;
  if (e.type == EventType::Triggered && !e.recentFailures.empty()) {
    std::vector<std::string> lines;
    for (const auto& f : e.recentFailures) {
      std::string line = clip(f.at, 64) + "  " + clip(f.reason, 100);
      if (!f.detail.empty())
        line += ": " + clip(f.detail, kMaxValueChars);
      lines.push_back(std::move(line));
    }
    sections.push_back({"Recent failures", boundedList(lines)});
  }
  if (e.schema) {
    if (!e.schema->added.empty())
      sections.push_back({"Tools added", boundedList(e.schema->added)});
    if (!e.schema->removed.empty())
      sections.push_back({"Tools removed", boundedList(e.schema->removed)});
    if (!e.schema->changed.empty())
      sections.push_back({"Tools changed", boundedList(e.schema->changed)});
    std::vector<std::string> prints;
    if (!e.schema->oldFingerprint.empty())
      prints.push_back("old: " + clip(e.schema->oldFingerprint, 200));
    if (!e.schema->newFingerprint.empty())
      prints.push_back("new: " + clip(e.schema->newFingerprint, 200));
    if (!prints.empty())
      sections.push_back({"Fingerprint", prints});
  }
  return sections;
}

std::string_view leadOf(const Event& e) {
  if (e.test)
    return "This is a test alert sent by mcpwatch test-alert; no action is needed.";
  switch (e.type) {
  case EventType::Triggered:
    return "mcpwatch opened an incident: this MCP server is failing its checks.";
  case EventType::Resolved:
    return "The incident is resolved: this MCP server passes its checks again.";
  case EventType::SchemaDrifted:
    return "The tools this MCP server offers have changed.";
  case EventType::ProtocolChanged:
    return "This MCP server now answers in another protocol era or transport (its tools are "
           "compared on their own).";
  case EventType::Reminder:
    return "Reminder: this MCP server is still failing its checks; the incident is still open.";
  }
  return "";
}

std::string textBody(const Event& e, const std::string& headlineText,
                     const std::vector<Fact>& facts, const std::vector<Section>& sections) {
  std::string out = headlineText + "\n\n" + std::string(leadOf(e)) + "\n\n";
  for (const auto& fact : facts) {
    std::string value = fact.value;
    // Continuation lines of a multi-line value are indented under the label.
    for (std::size_t pos = value.find('\n'); pos != std::string::npos;
         pos = value.find('\n', pos + 3))
      value.replace(pos, 1, "\n   ");
    out += fact.label + ": " + value + "\n";
  }
  for (const auto& section : sections) {
    out += "\n" + section.title + ":\n";
    for (const auto& item : section.items)
      out += "  - " + item + "\n";
  }
  out += "\n-- \nSent by mcpwatch, the MCP server uptime monitor.\n";
  return out;
}

std::string_view colourOf(EventType kind) {
  switch (kind) {
  case EventType::Triggered:
  case EventType::Reminder:
    return "#d93025";
  case EventType::Resolved:
    return "#188038";
  case EventType::SchemaDrifted:
  case EventType::ProtocolChanged:
    return "#e37400";
  }
  return "#d93025";
}

std::string htmlValue(const Fact& fact) {
  if (fact.link && linkable(fact.value))
    return "<a href=\"" + common::escapeHtml(fact.value) + "\">" + common::escapeHtml(fact.value) +
           "</a>";
  std::string out = common::escapeHtml(fact.value);
  for (std::size_t pos = out.find('\n'); pos != std::string::npos; pos = out.find('\n', pos + 5))
    out.replace(pos, 1, "<br>\n");
  return out;
}

std::string htmlBody(const Event& e, const std::string& subject, const std::string& headlineText,
                     const std::vector<Fact>& facts, const std::vector<Section>& sections,
                     std::string_view statusUrl) {
  const std::string colour(colourOf(e.type));
  std::string out = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>" +
                    common::escapeHtml(subject) + "</title></head>\n";
  out += "<body style=\"font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;"
         "color:#202124;margin:0;padding:16px\">\n";
  out += "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
         "style=\"border-left:6px solid " +
         colour + ";background:#f8f9fa\">\n<tr><td style=\"padding:12px 16px\">\n";
  out += "<div style=\"color:" + colour + ";font-weight:bold;font-size:13px;letter-spacing:1px\">" +
         (e.test ? std::string("TEST &middot; ") : std::string()) +
         common::escapeHtml(statusWord(e.type)) + "</div>\n";
  out += "<h1 style=\"font-size:18px;margin:6px 0 4px 0\">" + common::escapeHtml(headlineText) +
         "</h1>\n";
  out +=
      "<div style=\"color:#5f6368;font-size:14px\">" + common::escapeHtml(leadOf(e)) + "</div>\n";
  out += "</td></tr></table>\n";
  out += "<table cellpadding=\"0\" cellspacing=\"0\" style=\"border-collapse:collapse;"
         "margin-top:12px;font-size:14px\">\n";
  for (const auto& fact : facts)
    out += "<tr><th style=\"text-align:left;vertical-align:top;padding:4px 16px 4px 0;"
           "color:#5f6368;font-weight:normal;white-space:nowrap\">" +
           common::escapeHtml(fact.label) + "</th><td style=\"padding:4px 0\">" + htmlValue(fact) +
           "</td></tr>\n";
  out += "</table>\n";
  for (const auto& section : sections) {
    out += "<h2 style=\"font-size:15px;margin:16px 0 4px 0\">" + common::escapeHtml(section.title) +
           "</h2>\n<ul style=\"margin:0;padding-left:20px;font-size:14px\">\n";
    for (const auto& item : section.items)
      out += "<li>" + common::escapeHtml(item) + "</li>\n";
    out += "</ul>\n";
  }
  std::vector<std::string> links;
  if (linkable(statusUrl))
    links.push_back("<a href=\"" + common::escapeHtml(statusUrl) + "\">Status page</a>");
  if (linkable(e.runbookUrl))
    links.push_back("<a href=\"" + common::escapeHtml(clip(e.runbookUrl, kMaxValueChars)) +
                    "\">Runbook</a>");
  if (linkable(e.checkUrl))
    links.push_back("<a href=\"" + common::escapeHtml(clip(e.checkUrl, kMaxValueChars)) +
                    "\">Endpoint</a>");
  if (!links.empty()) {
    out += "<p style=\"margin-top:16px;font-size:14px\">";
    for (std::size_t i = 0; i < links.size(); ++i)
      out += (i ? " &middot; " : "") + links[i];
    out += "</p>\n";
  }
  out += "<p style=\"color:#80868b;font-size:12px;margin-top:24px\">Sent by mcpwatch, the MCP "
         "server uptime monitor.</p>\n</body></html>\n";
  return out;
}

} // namespace

std::string mailAddress(std::string_view mailbox) {
  return parseMailbox(mailbox).address;
}

std::string messageIdDomain(std::string_view from) {
  const auto address = mailAddress(from);
  const auto at = address.rfind('@');
  if (at == std::string::npos)
    return std::string(kFallbackDomain);
  std::string domain;
  for (char c : address.substr(at + 1))
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
        c == '-')
      domain += c;
  while (!domain.empty() && domain.front() == '.')
    domain.erase(domain.begin());
  while (!domain.empty() && domain.back() == '.')
    domain.pop_back();
  if (domain.empty() || domain.size() > 253)
    return std::string(kFallbackDomain);
  return domain;
}

std::string foldedHeader(std::string_view name, std::string_view value) {
  const auto clean = mailLine(value);
  return foldTokens(name, needsEncoding(clean) ? encodedWords(clean) : asciiWords(clean));
}

std::string quotedPrintable(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos)
      end = text.size();
    auto line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    std::size_t column = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const auto u = static_cast<unsigned char>(line[i]);
      const bool last = i + 1 == line.size();
      auto encode = [&](std::size_t col) {
        // '.' first on a line is encoded so no transport ever sees a lone "." line.
        return u == '=' || u < 0x20 || u > 0x7e || (u == ' ' && last) || (u == '.' && col == 0);
      };
      auto width = encode(column) ? 3u : 1u;
      if (column + width > 75) { // 75 + the soft break's "=" = 76
        out += "=\r\n";
        column = 0;
        width = encode(column) ? 3u : 1u;
      }
      if (width == 3) {
        out += '=';
        out += kHex[u >> 4];
        out += kHex[u & 0xf];
      } else {
        out += static_cast<char>(u);
      }
      column += width;
    }
    out += "\r\n";
    if (end == text.size())
      break;
    start = end + 1;
  }
  return out;
}

EmailMessage buildEmail(const Event& event, const channels::EmailSinkConfig& config,
                        std::string_view publicUrl, common::WallTime now) {
  EmailMessage message;
  const auto domain = messageIdDomain(config.from);
  // A trigger's id comes from its incident, so its reminders and resolve can refer to it without
  // knowing the trigger's event id; they and drift events are identified by their own event id.
  const bool byIncident = event.type == EventType::Triggered && !event.incidentId.empty();
  message.messageId = "<" + idPart(byIncident ? event.incidentId : event.id) + "@" + domain + ">";
  if ((event.type == EventType::Resolved || event.type == EventType::Reminder) &&
      !event.incidentId.empty())
    message.inReplyTo = "<" + idPart(event.incidentId) + "@" + domain + ">";
  message.subject = subjectOf(event);

  const auto statusUrl = statusUrlOf(event, publicUrl);
  const auto facts = factsOf(event, statusUrl);
  const auto sections = sectionsOf(event);
  const auto headlineText = clip(headline(event), kMaxNameChars + 200);
  // "=_" can never occur in quoted-printable text ("=" is always followed by hex digits or a line
  // break there), so this boundary cannot collide with either body.
  const auto boundary =
      "=_mcpwatch_" + common::sha256Hex(message.messageId + event.id).substr(0, 24);

  std::string& m = message.rfc822;
  m += "Date: " + rfc5322Date(now) + "\r\n";
  m += addressListHeader("From", {config.from});
  m += addressListHeader("To", config.to);
  m += foldedHeader("Subject", message.subject);
  m += "Message-ID: " + message.messageId + "\r\n";
  if (!message.inReplyTo.empty()) {
    m += "In-Reply-To: " + message.inReplyTo + "\r\n";
    m += "References: " + message.inReplyTo + "\r\n";
  }
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n";
  // Auto-replies (out of office) to an alert help nobody: RFC 3834 and Exchange's variant.
  m += "Auto-Submitted: auto-generated\r\n";
  m += "X-Auto-Response-Suppress: All\r\n";
  m += "X-Mcpwatch-Event: " + std::string(alerting::toString(event.type)) + "\r\n";
  m += "\r\nThis is a multi-part message in MIME format.\r\n";
  m += "\r\n--" + boundary + "\r\n";
  m += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: "
       "quoted-printable\r\n\r\n";
  m += quotedPrintable(textBody(event, headlineText, facts, sections));
  m += "\r\n--" + boundary + "\r\n";
  m += "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: "
       "quoted-printable\r\n\r\n";
  m += quotedPrintable(htmlBody(event, message.subject, headlineText, facts, sections, statusUrl));
  m += "\r\n--" + boundary + "--\r\n";
  return message;
}

alerting::AttemptResult smtpAttemptResult(int curlCode, long smtpCode, std::string_view reply,
                                          std::string_view curlError) {
  // People see the SMTP reply; the outcome says what it means for the outbox.
  using alerting::AttemptResult;
  const std::string answer = smtpCode > 0 ? "SMTP " + std::to_string(smtpCode) : std::string();
  if (curlCode == CURLE_OK)
    return AttemptResult::delivered(answer.empty() ? "SMTP accepted" : answer);
  const std::string what = curlError.empty()
                               ? std::string(curl_easy_strerror(static_cast<CURLcode>(curlCode)))
                               : std::string(curlError);
  const std::string replyText =
      reply.empty() ? std::to_string(smtpCode) : common::truncateCodePoints(mailLine(reply), 300);
  auto withAnswer = [&](AttemptResult r) {
    r.answer = answer;
    return r;
  };
  if (smtpCode >= 500 && smtpCode < 600)
    return withAnswer(AttemptResult::permanent("SMTP server refused the message permanently (" +
                                               replyText + "): " + what));
  if (smtpCode >= 400 && smtpCode < 500)
    return withAnswer(
        AttemptResult::retry("SMTP server deferred the message (" + replyText + "): " + what));
  switch (curlCode) {
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_URL_MALFORMAT:
  case CURLE_NOT_BUILT_IN:
    return AttemptResult::permanent("the SMTP host or port is not usable: " + what);
  case CURLE_USE_SSL_FAILED:
    return AttemptResult::permanent(
        "the SMTP server does not offer STARTTLS (tls: starttls requires it): " + what);
  case CURLE_SSL_CACERT_BADFILE:
    return AttemptResult::permanent("ca_file could not be loaded: " + what);
  case CURLE_LOGIN_DENIED:
    return AttemptResult::permanent("SMTP authentication failed: " + what);
  default:
    return AttemptResult::retry("SMTP transfer failed: " + what);
  }
}

namespace {

void initCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Everything one transfer needs, owned (it runs on another thread).
struct Transfer {
  std::string url;
  bool requireTls = false;
  std::string username;
  common::Secret password;
  std::string loginOptions;
  std::string caFile;
  bool insecure = false;
  long timeoutMs = 30000;
  std::string mailFrom;
  std::vector<std::string> recipients;
  std::string message;
};

struct TransferOutcome {
  int curlCode = CURLE_OK;
  long smtpCode = 0;
  std::string reply;                          // the server's last complete reply
  std::string curlError;                      // CURLOPT_ERRORBUFFER
  std::vector<std::string> refusedRecipients; // "addr (550 ...)", when others were accepted
};

// Reads the server's replies from curl's protocol trace. Only incoming lines are kept: outgoing
// ones carry the AUTH exchange. The RCPT TO address is taken from the outgoing command so a
// refused recipient can be named.
struct ReplyTrace {
  std::string partial;
  std::vector<std::string> replies; // the latest complete replies, oldest first (bounded)
  std::string pendingRcpt;
  std::vector<std::string> refused;
};

int onTrace(CURL*, curl_infotype type, char* data, size_t size, void* user) {
  auto* trace = static_cast<ReplyTrace*>(user);
  const std::string_view text(data, size);
  if (type == CURLINFO_HEADER_OUT) {
    trace->pendingRcpt.clear();
    if (common::toLower(text.substr(0, 8)) == "rcpt to:") {
      const auto open = text.find('<'), close = text.find('>');
      if (open != std::string_view::npos && close != std::string_view::npos && close > open)
        trace->pendingRcpt = std::string(text.substr(open + 1, close - open - 1));
    }
    return 0;
  }
  if (type != CURLINFO_HEADER_IN)
    return 0;
  for (std::size_t start = 0; start < text.size();) {
    auto end = text.find('\n', start);
    auto line =
        text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    start = end == std::string_view::npos ? text.size() : end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n'))
      line.remove_suffix(1);
    if (trace->partial.size() < 2000)
      trace->partial += (trace->partial.empty() ? "" : " / ") + std::string(line);
    // "250-..." continues a multi-line reply; "250 ..." (or a bare code) ends it.
    if (line.size() >= 3 && (line.size() == 3 || line[3] == ' ')) {
      if (trace->replies.size() >= 16)
        trace->replies.erase(trace->replies.begin());
      trace->replies.push_back(std::move(trace->partial));
      trace->partial.clear();
      if (!trace->pendingRcpt.empty() && line[0] >= '4' && trace->refused.size() < 100)
        trace->refused.push_back(trace->pendingRcpt + " (" + trace->replies.back() + ")");
      trace->pendingRcpt.clear();
    }
  }
  return 0;
}

struct Upload {
  std::string_view data;
};

size_t onRead(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const auto n = std::min(size * count, upload->data.size());
  std::copy_n(upload->data.data(), n, buffer);
  upload->data.remove_prefix(n);
  return n;
}

TransferOutcome perform(const Transfer& t) {
  initCurlOnce();
  TransferOutcome outcome;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    outcome.curlCode = CURLE_FAILED_INIT;
    outcome.curlError = "curl_easy_init failed";
    return outcome;
  }
  struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
  };
  std::unique_ptr<curl_slist, SlistDeleter> recipients;
  for (const auto& rcpt : t.recipients) {
    auto* appended = curl_slist_append(recipients.get(), ("<" + rcpt + ">").c_str());
    if (!appended) {
      outcome.curlCode = CURLE_OUT_OF_MEMORY;
      return outcome;
    }
    recipients.release();
    recipients.reset(appended);
  }
  char errorBuffer[CURL_ERROR_SIZE] = {};
  ReplyTrace trace;
  Upload upload{t.message};
  const std::string mailFrom = "<" + t.mailFrom + ">";
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errorBuffer);
  curl_easy_setopt(h, CURLOPT_URL, t.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  // Signals are process-wide and the transfer runs on a pool thread: never let curl use them.
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, t.timeoutMs);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, t.timeoutMs);
  curl_easy_setopt(h, CURLOPT_USE_SSL, t.requireTls ? CURLUSESSL_ALL : CURLUSESSL_NONE);
  if (!t.caFile.empty()) {
    // The bundle replaces the system store (a private CA), so the system directory is not used.
    curl_easy_setopt(h, CURLOPT_CAINFO, t.caFile.c_str());
    curl_easy_setopt(h, CURLOPT_CAPATH, nullptr);
  }
  if (t.insecure) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!t.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, t.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, t.password.reveal().c_str());
    if (!t.loginOptions.empty())
      curl_easy_setopt(h, CURLOPT_LOGIN_OPTIONS, t.loginOptions.c_str());
  }
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, mailFrom.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
  // One refused recipient must not keep the alert from the others; they are logged instead.
#if LIBCURL_VERSION_NUM >= 0x080200
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT_ALLOWFAILS, 1L);
#else
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);
#endif
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, onRead);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(t.message.size()));
  // The trace is how the server's reply text reaches the error message; VERBOSE only enables
  // the callback (nothing is printed).
  curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, onTrace);
  curl_easy_setopt(h, CURLOPT_DEBUGDATA, &trace);
  curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);

  outcome.curlCode = curl_easy_perform(h);
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  outcome.smtpCode = code;
  // The reply that carried the final code: curl still sends QUIT (and reads "221 Bye") after a
  // refusal, so the last reply is not necessarily the interesting one.
  const auto codeText = std::to_string(code);
  for (auto it = trace.replies.rbegin(); it != trace.replies.rend(); ++it)
    if (code > 0 && it->starts_with(codeText)) {
      outcome.reply = *it;
      break;
    }
  outcome.curlError = errorBuffer;
  outcome.refusedRecipients = std::move(trace.refused);
  return outcome;
}

Awaitable<TransferOutcome> transferOn(Transfer transfer) {
  co_return perform(transfer);
}

// For sinks built without a blocking executor (a hand-built sink in a test or tool): transfers
// still never run on the caller's executor.
asio::any_io_executor fallbackExecutor() {
  static asio::thread_pool pool(1);
  return pool.get_executor();
}

// The EHLO name: this machine's host name when it is a plausible one, else curl's default.
std::string ehloName() {
  char buffer[256] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0)
    return {};
  std::string name(buffer);
  const bool plausible = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-';
  });
  return plausible ? name : std::string();
}

bool validHost(std::string_view host) {
  if (host.empty() || host.size() > 253)
    return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == ':' || c == '_';
  });
}

// Removes every form of the password a hostile or echoing server could put in a reply.
void scrub(std::string& text, const channels::EmailSinkConfig& config) {
  const auto& password = config.password.reveal();
  if (password.empty())
    return;
  const std::array<std::string, 3> forms{
      password, common::base64Encode(password),
      common::base64Encode(std::string(1, '\0') + config.username + '\0' + password)};
  for (const auto& form : forms)
    redactInPlace(text, form);
}

class EmailSink final : public alerting::Sink {
public:
  EmailSink(channels::EmailSinkConfig config, alerting::SinkContext context)
      : config_(std::move(config)), context_(std::move(context)) {}

  Awaitable<alerting::AttemptResult> deliver(alerting::Delivery delivery) override {
    const Event& event = delivery.event;
    if (!validHost(config_.host))
      co_return alerting::AttemptResult::permanent("host is not a valid host name");
    if (mailAddress(config_.from).empty() || config_.to.empty())
      co_return alerting::AttemptResult::permanent(
          "the sink needs a from address and at least one to");
    const auto now = context_.clock ? context_.clock->now() : std::chrono::system_clock::now();
    auto message = buildEmail(event, config_, context_.publicUrl, now);

    Transfer transfer;
    const bool ipv6 = config_.host.find(':') != std::string::npos;
    transfer.url = std::string(config_.tls == channels::SmtpTls::Implicit ? "smtps" : "smtp") +
                   "://" + (ipv6 ? "[" + config_.host + "]" : config_.host) + ":" +
                   std::to_string(config_.port) + "/" + ehloName();
    transfer.requireTls = config_.tls != channels::SmtpTls::None;
    transfer.username = config_.username;
    transfer.password = config_.password;
    if (config_.auth == channels::SmtpAuth::Plain)
      transfer.loginOptions = "AUTH=PLAIN";
    else if (config_.auth == channels::SmtpAuth::Login)
      transfer.loginOptions = "AUTH=LOGIN";
    transfer.caFile = config_.caFile;
    transfer.insecure = config_.insecure;
    transfer.timeoutMs = std::max<long>(1, static_cast<long>(config_.timeout.count()));
    transfer.mailFrom = mailAddress(config_.from);
    for (const auto& to : config_.to)
      transfer.recipients.push_back(mailAddress(to));
    transfer.message = std::move(message.rfc822);

    // co_spawn runs the transfer on the blocking pool and resumes this coroutine on its own
    // executor (a plain post to the pool would resume here, on the loop, and block it).
    auto executor = context_.blockingExecutor ? context_.blockingExecutor : fallbackExecutor();
    TransferOutcome outcome;
    try {
      outcome = co_await asio::co_spawn(executor, transferOn(std::move(transfer)), use_awaitable);
    } catch (const std::exception& error) {
      outcome.curlCode = CURLE_FAILED_INIT;
      outcome.curlError = std::string("the transfer could not run: ") + error.what();
    }
    auto result =
        smtpAttemptResult(outcome.curlCode, outcome.smtpCode, outcome.reply, outcome.curlError);
    scrub(result.error, config_);
    if (outcome.curlCode == CURLE_OK && !outcome.refusedRecipients.empty()) {
      std::string refused;
      for (const auto& r : outcome.refusedRecipients)
        refused += (refused.empty() ? "" : "; ") + r;
      scrub(refused, config_);
      common::logRecord(spdlog::level::warn,
                        "email sent, but the SMTP server refused some recipients",
                        {{"type", alerting::toString(delivery.event.type)},
                         {"message_id", message.messageId},
                         {"refused", refused}});
    }
    co_return result;
  }

private:
  channels::EmailSinkConfig config_;
  alerting::SinkContext context_;
};

} // namespace

common::Json saveEmailSettings(const channels::EmailSinkConfig& mail) {
  return {{"host", mail.host},
          {"port", mail.port},
          {"tls", std::string(toString(mail.tls))},
          {"username", mail.username},
          {"password", mail.password.reveal()},
          {"auth", std::string(toString(mail.auth))},
          {"from", mail.from},
          {"to", mail.to},
          {"ca_file", mail.caFile},
          {"insecure", mail.insecure},
          {"schema_drift", mail.schemaDrift},
          {"timeout_ms", mail.timeout.count()}};
}

std::optional<channels::EmailSinkConfig> loadEmailSettings(const common::Json& json) {
  channels::EmailSinkConfig mail;
  mail.host = json.at("host").get<std::string>();
  mail.port = json.at("port").get<int>();
  auto tls = alerting::enumFromName(
      json.at("tls").get<std::string>(),
      {channels::SmtpTls::StartTls, channels::SmtpTls::Implicit, channels::SmtpTls::None});
  if (!tls)
    return std::nullopt;
  mail.tls = *tls;
  mail.username = json.at("username").get<std::string>();
  mail.password = common::Secret(json.at("password").get<std::string>());
  auto auth = alerting::enumFromName(
      json.at("auth").get<std::string>(),
      {channels::SmtpAuth::Auto, channels::SmtpAuth::Plain, channels::SmtpAuth::Login});
  if (!auth)
    return std::nullopt;
  mail.auth = *auth;
  mail.from = json.at("from").get<std::string>();
  mail.to = json.at("to").get<std::vector<std::string>>();
  mail.caFile = json.at("ca_file").get<std::string>();
  mail.insecure = json.at("insecure").get<bool>();
  mail.schemaDrift = json.at("schema_drift").get<bool>();
  mail.timeout = alerting::Duration(json.at("timeout_ms").get<std::int64_t>());
  return mail;
}

alerting::SinkKind emailSinkKind() {
  return alerting::sinkKind<channels::EmailSinkConfig>(makeEmailSink, saveEmailSettings,
                                                       loadEmailSettings);
}

std::unique_ptr<alerting::Sink> makeEmailSink(const config::SinkConfig& sink,
                                              const alerting::SinkContext& context) {
  const auto* email = sink.settings.get<channels::EmailSinkConfig>();
  if (!email)
    return nullptr;
  return std::make_unique<EmailSink>(*email, context);
}

} // namespace mcpwatch::channels
