// The texts every channel shares.
#include "channels/event_text.hpp"

namespace mcpwatch::channels {

std::string_view statusWord(EventType kind) {
  switch (kind) {
  case EventType::Triggered:
    return "DOWN";
  case EventType::Resolved:
    return "RESOLVED";
  case EventType::SchemaDrifted:
    return "SCHEMA DRIFT";
  case EventType::ProtocolChanged:
    return "PROTOCOL CHANGED";
  case EventType::Reminder:
    return "STILL DOWN";
  }
  return "DOWN";
}

std::string humanDuration(std::int64_t seconds) {
  if (seconds < 0)
    seconds = 0;
  const auto d = seconds / 86400, h = seconds % 86400 / 3600, m = seconds % 3600 / 60,
             s = seconds % 60;
  if (d > 0)
    return std::to_string(d) + "d " + std::to_string(h) + "h";
  if (h > 0)
    return std::to_string(h) + "h " + std::to_string(m) + "m";
  if (m > 0)
    return std::to_string(m) + "m " + std::to_string(s) + "s";
  return std::to_string(s) + "s";
}

std::string driftSummary(const SchemaDrift& drift) {
  std::string out;
  auto part = [&](std::size_t n, const char* what) {
    if (n == 0)
      return;
    out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  };
  part(drift.added.size(), "added");
  part(drift.removed.size(), "removed");
  part(drift.changed.size(), "changed");
  return out.empty() ? "fingerprint changed" : out;
}

std::string headline(const Event& event) {
  std::string out = event.test ? "[TEST] " : "";
  switch (event.type) {
  case EventType::Triggered:
    out += "MCP server down: " + event.name + " (" + whatFailed(event) + ")";
    break;
  case EventType::Resolved:
    out += "MCP server recovered: " + event.name;
    if (event.durationSeconds)
      out += " (down " + humanDuration(*event.durationSeconds) + ")";
    break;
  case EventType::SchemaDrifted:
    out += "MCP tools changed: " + event.name;
    if (event.schema)
      out += " (" + driftSummary(*event.schema) + ")";
    break;
  case EventType::ProtocolChanged:
    out += "MCP protocol changed: " + event.name;
    if (event.protocol)
      out += " (" + protocolSummary(*event.protocol) + ")";
    break;
  case EventType::Reminder:
    out += "Still down";
    if (event.durationSeconds)
      out += " for " + humanDuration(*event.durationSeconds);
    out += ": " + event.name;
    if (!whatFailed(event).empty())
      out += " \xE2\x80\x94 " + whatFailed(event); // —
    break;
  }
  return out;
}

std::string protocolSummary(const ProtocolSwitch& change) {
  auto side = [](const std::string& transport, const std::string& version) {
    return version.empty() ? transport : transport + " " + version;
  };
  return side(change.fromTransport, change.fromVersion) + " \xE2\x86\x92 " + // →
         side(change.toTransport, change.toVersion);
}

} // namespace mcpwatch::channels
