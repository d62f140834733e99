// The two renderings of a ProbeResult: `probe --json` (DESIGN.md section 3) and readable text.
#include "common/time.hpp"
#include "prober/classify.hpp"
#include "prober/probe.hpp"

#include <cstdio>

namespace mcpwatch::prober {
namespace {

using common::Json;

Json optionalMs(const std::optional<double>& ms) {
  return ms ? Json(*ms) : Json(nullptr);
}

// Milliseconds with one decimal for people; JSON keeps full precision.
std::string formatMs(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", ms);
  return buf;
}

} // namespace

Json toJson(const ProbeResult& r) {
  Json j = Json::object();
  j["url"] = r.url;
  j["ok"] = r.ok;
  j["status"] = r.ok ? "up" : "down";
  if (r.failure) {
    const auto& f = *r.failure;
    j["failure"] = {
        {"reason", std::string(toString(f.reason))},
        {"detail", f.detail},
        {"http_status", f.httpStatus ? Json(*f.httpStatus) : Json(nullptr)},
        {"jsonrpc_code", f.jsonrpcCode ? Json(*f.jsonrpcCode) : Json(nullptr)},
        {"resource_metadata", f.resourceMetadata ? Json(*f.resourceMetadata) : Json(nullptr)},
    };
  } else {
    j["failure"] = nullptr;
  }
  j["era"] = r.era ? Json(std::string(toString(*r.era))) : Json(nullptr);
  j["transport"] = r.transport ? Json(std::string(toString(*r.transport))) : Json(nullptr);
  j["protocol_version"] = r.protocolVersion ? Json(*r.protocolVersion) : Json(nullptr);
  if (r.serverInfo) {
    j["server_info"] = {
        {"name", r.serverInfo->name},
        {"version", r.serverInfo->version},
        {"title", r.serverInfo->title ? Json(*r.serverInfo->title) : Json(nullptr)}};
  } else {
    j["server_info"] = nullptr;
  }
  if (r.tools) {
    Json names = Json::array();
    for (const auto& t : r.tools->tools) // already sorted by name
      names.push_back(t.name);
    j["tools"] = {
        {"count", r.tools->count}, {"fingerprint", r.tools->fingerprint}, {"names", names}};
  } else {
    j["tools"] = nullptr;
  }
  j["timings_ms"] = {{"dns", optionalMs(r.timings.dns)},
                     {"connect", optionalMs(r.timings.connect)},
                     {"tls", optionalMs(r.timings.tls)},
                     {"handshake", optionalMs(r.timings.handshake)},
                     {"tools_list", optionalMs(r.timings.toolsList)},
                     {"tool_call", optionalMs(r.timings.toolCall)},
                     {"total", r.timings.total}};
  j["sse_resumptions"] = r.sseResumptions;
  if (r.tls) {
    j["tls"] = {{"not_after", common::formatRfc3339(r.tls->notAfter)},
                {"days_left", r.tls->daysLeft}};
  } else {
    j["tls"] = nullptr;
  }
  return j;
}

std::string toText(const ProbeResult& r) {
  // Everything that came from the server is sanitised: a terminal must not run its escapes.
  std::string out = r.ok ? "UP   " : "DOWN ";
  out += sanitizeExcerpt(r.url, 500);
  if (r.failure)
    out += "  (" + std::string(toString(r.failure->reason)) + ")";
  out += '\n';
  auto line = [&out](std::string_view label, const std::string& value) {
    out += "  ";
    out += label;
    out.append(label.size() < 10 ? 10 - label.size() : 1, ' ');
    out += value;
    out += '\n';
  };
  if (r.failure) {
    line("failure", r.failure->detail);
    if (r.failure->resourceMetadata)
      line("auth", "resource_metadata " + sanitizeExcerpt(*r.failure->resourceMetadata, 300));
  }
  if (r.era || r.transport) {
    std::string v = r.era ? std::string(toString(*r.era)) : "?";
    if (r.transport)
      v += " era, " + std::string(toString(*r.transport));
    if (r.protocolVersion)
      v += ", protocol " + sanitizeExcerpt(*r.protocolVersion, 40);
    line("mcp", v);
  }
  if (r.serverInfo) {
    std::string v =
        sanitizeExcerpt(r.serverInfo->name) + " " + sanitizeExcerpt(r.serverInfo->version, 40);
    if (r.serverInfo->title)
      v += " (" + sanitizeExcerpt(*r.serverInfo->title) + ")";
    line("server", v);
  }
  if (r.tools) {
    line("tools", std::to_string(r.tools->count) + ", " + r.tools->fingerprint);
  } else if (r.ok) {
    line("tools", "none (no tools capability)");
  }
  std::string t;
  auto add = [&t](std::string_view name, const std::optional<double>& ms) {
    if (!ms)
      return;
    if (!t.empty())
      t += ", ";
    t += std::string(name) + " " + formatMs(*ms);
  };
  add("dns", r.timings.dns);
  add("connect", r.timings.connect);
  add("tls", r.timings.tls);
  add("handshake", r.timings.handshake);
  add("tools/list", r.timings.toolsList);
  add("tool call", r.timings.toolCall);
  add("total", r.timings.total);
  line("timings", t);
  if (r.sseResumptions > 0)
    line("stream", "resumed " + std::to_string(r.sseResumptions) +
                       (r.sseResumptions == 1 ? " time" : " times") + " with Last-Event-ID");
  if (r.tls)
    line("tls", "certificate expires " + common::formatRfc3339(r.tls->notAfter) + " (" +
                    std::to_string(r.tls->daysLeft) + " days left)");
  return out;
}

} // namespace mcpwatch::prober
