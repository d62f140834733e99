// README badges and the public embed JSON (see badge.hpp).
#include "web/badge.hpp"

#include "common/strings.hpp"
#include "common/time.hpp"
#include "web/api.hpp"

#include <cmath>
#include <fmt/format.h>

namespace mcpwatch::web {
namespace {

// Colours as on shields.io; every one carries white text at 11 px bold-ish with a shadow.
constexpr std::string_view kGreen = "#2e7d32";
constexpr std::string_view kLightGreen = "#558b2f";
constexpr std::string_view kAmber = "#a15c00";
constexpr std::string_view kRed = "#c62828";
constexpr std::string_view kBlue = "#1565c0";
constexpr std::string_view kGrey = "#616161";
constexpr std::string_view kLabelGrey = "#454545";

// Approximate advance widths of Verdana 11 px (what shields.io measures with), in pixels.
double textWidth(std::string_view text) {
  double w = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) == 0x80)
      continue; // UTF-8 continuation byte: the code point was counted at its lead byte
    if (c >= '0' && c <= '9')
      w += 7.0;
    else if (c == ' ' || c == '.' || c == ',' || c == ':' || c == 'i' || c == 'l' || c == 'j')
      w += 3.6;
    else if (c == 'm' || c == 'w' || c == '%')
      w += 10.5;
    else if (c >= 'A' && c <= 'Z')
      w += 7.6;
    else if (c == 'f' || c == 't' || c == 'r')
      w += 4.5;
    else
      w += 6.6;
  }
  return w;
}

std::string percent(double uptime) {
  // Never round a real outage up to 100 %.
  double shown = std::floor(uptime * 10000.0) / 100.0;
  if (shown >= 100.0)
    return "100%";
  if (shown >= 99.0)
    return fmt::format("{:.2f}%", shown);
  return fmt::format("{:.1f}%", shown);
}

} // namespace

std::string renderBadge(std::string_view label, std::string_view message, std::string_view colour) {
  const int lw = static_cast<int>(std::ceil(textWidth(label))) + 10;
  const int mw = static_cast<int>(std::ceil(textWidth(message))) + 10;
  const int total = lw + mw;
  const std::string l = common::escapeHtml(label);
  const std::string m = common::escapeHtml(message);
  const std::string c = common::escapeHtml(colour);
  // Text is drawn at 10x scale (as shields.io does) so widths stay whole numbers.
  return fmt::format(
      R"svg(<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" aria-label="{l}: {m}">)svg"
      R"svg(<title>{l}: {m}</title>)svg"
      R"svg(<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>)svg"
      R"svg(<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>)svg"
      R"svg(<g clip-path="url(#r)"><rect width="{lw}" height="20" fill="{lg}"/><rect x="{lw}" width="{mw}" height="20" fill="{c}"/><rect width="{total}" height="20" fill="url(#s)"/></g>)svg"
      R"svg(<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="110" text-rendering="geometricPrecision">)svg"
      R"svg(<text aria-hidden="true" x="{lx}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)">{l}</text>)svg"
      R"svg(<text x="{lx}" y="140" transform="scale(.1)">{l}</text>)svg"
      R"svg(<text aria-hidden="true" x="{mx}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)">{m}</text>)svg"
      R"svg(<text x="{mx}" y="140" transform="scale(.1)">{m}</text></g></svg>)svg"
      "\n",
      fmt::arg("total", total), fmt::arg("lw", lw), fmt::arg("mw", mw), fmt::arg("l", l),
      fmt::arg("m", m), fmt::arg("c", c), fmt::arg("lg", kLabelGrey), fmt::arg("lx", lw * 5),
      fmt::arg("mx", lw * 10 + mw * 5));
}

std::string statusBadge(const ServerView& view) {
  const std::string state = displayState(view);
  std::string_view colour = kGrey;
  if (state == "up")
    colour = kGreen;
  else if (state == "down")
    colour = kRed;
  else if (state == "failing" || state == "flapping")
    colour = kAmber;
  else if (state == "maintenance")
    colour = kBlue;
  return renderBadge("mcp", state, colour);
}

std::string uptimeBadge(std::optional<double> uptime, std::string_view period) {
  const std::string label = "uptime " + std::string(period);
  if (!uptime)
    return renderBadge(label, "no data", kGrey);
  std::string_view colour = *uptime >= 0.999  ? kGreen
                            : *uptime >= 0.99 ? kLightGreen
                            : *uptime >= 0.95 ? kAmber
                                              : kRed;
  return renderBadge(label, percent(*uptime), colour);
}

std::string latencyBadge(std::optional<double> latencyMs) {
  if (!latencyMs)
    return renderBadge("latency", "no data", kGrey);
  const long ms = std::lround(*latencyMs);
  std::string_view colour = ms < 300 ? kGreen : ms < 1000 ? kLightGreen : ms < 3000 ? kAmber : kRed;
  return renderBadge("latency", std::to_string(ms) + " ms", colour);
}

std::optional<std::optional<double>> uptimeFor(const ServerSummary& summary,
                                               std::string_view period) {
  if (period == "24h")
    return summary.uptime24h;
  if (period == "7d")
    return summary.uptime7d;
  if (period == "30d")
    return summary.uptime30d;
  if (period == "90d")
    return summary.uptime90d;
  return std::nullopt;
}

common::Json embedJson(const ServerSummary& summary, std::string_view publicUrl) {
  using common::Json;
  const auto& v = summary.view;
  Json j = {{"slug", v.slug},
            {"name", v.name},
            {"state", displayState(v)},
            {"uptime", uptimeJson(summary)},
            {"latency_ms", v.state.lastResponseTimeMs ? Json(*v.state.lastResponseTimeMs) : Json()},
            {"last_check_at",
             v.state.lastCheckAt ? Json(common::formatRfc3339(*v.state.lastCheckAt)) : Json()},
            {"status_url",
             publicUrl.empty() ? Json() : Json(std::string(publicUrl) + "/status/" + v.slug)}};
  return j;
}

} // namespace mcpwatch::web
