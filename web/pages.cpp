// Server-rendered status pages: HTML with inline SVG, no script, every foreign string escaped.
#include "web/pages.hpp"

#include "common/json.hpp"
#include "common/time.hpp"
#include "web/api.hpp"
#include "web/html.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>

namespace mcpwatch::web {
namespace {

// Recent failures on a detail page: the newest this many failed checks of 30 days, shown as at
// most kFailureRows rows once runs of the same failure are collapsed.
constexpr std::size_t kFailuresRead = 500;
constexpr std::size_t kFailureRows = 20;

using namespace std::chrono_literals;
using std::chrono::duration_cast;

constexpr auto kDay = std::chrono::hours(24);

common::WallTime dayStart(common::WallTime t) {
  auto since = t.time_since_epoch();
  auto days = std::chrono::floor<std::chrono::days>(since);
  return common::WallTime(duration_cast<common::WallTime::duration>(days));
}

// Downtime is time inside an incident (open ones up to `now`), never a count of failed checks:
// a failing server is re-checked every retry_interval, so counting checks would weigh failures
// three times and turn one failed check into a bad day.
struct DownInterval {
  common::WallTime from;
  common::WallTime to;
};

std::chrono::seconds downWithin(const std::vector<DownInterval>& down, common::WallTime from,
                                common::WallTime to) {
  common::WallTime::duration total{};
  for (const auto& d : down) {
    auto a = std::max(d.from, from);
    auto b = std::min(d.to, to);
    if (b > a)
      total += b - a;
  }
  return duration_cast<std::chrono::seconds>(total);
}

// The server's history for uptimes and bars: its incidents of the last 90 days as intervals,
// and the first day with checks (monitoring started then, as far as the bars know).
struct History {
  std::vector<DownInterval> down;
  std::vector<store::IncidentRecord> incidents; // newest first, overlapping the 90 days
  std::vector<store::DaySummary> days;          // kBarDays, oldest first
  std::optional<common::WallTime> firstDay;
  bool ok = true;
};

History readHistory(store::Store& store, const std::string& slug, common::WallTime now,
                    std::vector<std::string>& errors) {
  History h;
  const auto firstBarDay = dayStart(now) - (kBarDays - 1) * kDay;
  if (auto days = store.dailySummary(slug, kBarDays, now)) {
    h.days = std::move(days.value());
    for (const auto& d : h.days)
      if (d.checks > 0) {
        h.firstDay = d.day;
        break;
      }
  } else {
    errors.push_back(days.error());
    h.ok = false;
  }
  // Incidents newest first; stop once they end before the bar starts.
  if (auto inc = store.incidentsOf(slug, 500)) {
    for (auto& i : inc.value()) {
      if (i.closedAt && *i.closedAt < firstBarDay)
        break;
      h.down.push_back({i.openedAt, i.closedAt.value_or(now)});
      h.incidents.push_back(std::move(i));
    }
  } else {
    errors.push_back(inc.error());
    h.ok = false;
  }
  return h;
}

// The share of [now - period, now] not in an incident, counted from the first day with checks;
// unknown before any check.
std::optional<double> uptimeOver(const History& h, common::WallTime now,
                                 common::WallTime::duration period) {
  if (!h.ok || !h.firstDay)
    return std::nullopt;
  auto from = std::max(now - period, *h.firstDay);
  if (from >= now)
    return std::nullopt;
  const double span = std::chrono::duration<double>(now - from).count();
  const double down = static_cast<double>(downWithin(h.down, from, now).count());
  return std::clamp(1.0 - down / span, 0.0, 1.0);
}

void fillUptimesFrom(const History& h, ServerSummary& s, common::WallTime now) {
  s.uptime24h = uptimeOver(h, now, kDay);
  s.uptime7d = uptimeOver(h, now, 7 * kDay);
  s.uptime30d = uptimeOver(h, now, 30 * kDay);
  s.uptime90d = uptimeOver(h, now, 90 * kDay);
}

void fillDaysFrom(const History& h, ServerSummary& s, common::WallTime now) {
  if (h.days.empty())
    return;
  s.days.reserve(h.days.size());
  for (const auto& d : h.days) {
    DayCell cell;
    cell.day = d.day;
    cell.checks = d.checks;
    cell.ok = d.ok;
    cell.worstReason = d.worstReason;
    auto dayEnd = std::min(d.day + kDay, now);
    for (const auto& i : h.incidents) {
      auto closed = i.closedAt.value_or(now);
      if (i.openedAt < d.day + kDay && closed >= d.day)
        ++cell.incidents;
    }
    cell.downSeconds = dayEnd > d.day ? downWithin(h.down, d.day, dayEnd).count() : 0;
    cell.seconds = dayEnd > d.day ? duration_cast<std::chrono::seconds>(dayEnd - d.day).count() : 0;
    if (cell.downSeconds >= 3600)
      cell.severity = "down";
    else if (cell.downSeconds > 0)
      cell.severity = "degraded";
    else if (d.checks == 0)
      cell.severity = "none";
    else
      cell.severity = "ok";
    s.days.push_back(std::move(cell));
  }
}

std::string stateLabel(std::string_view state) {
  if (state == "up")
    return "Operational";
  if (state == "failing")
    return "Failing";
  if (state == "down")
    return "Down";
  if (state == "flapping")
    return "Flapping";
  if (state == "maintenance")
    return "Maintenance";
  if (state == "paused")
    return "Paused";
  return "No data";
}

// `refresh`: reload every 60 s without JavaScript (the status pages; not error pages).
std::string head(std::string_view title, bool refresh = false) {
  return fmt::format("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                     "<meta name=\"color-scheme\" content=\"light dark\">{}"
                     "<title>{}</title><link rel=\"stylesheet\" href=\"/static/style.css\">"
                     "</head><body><main>",
                     refresh ? "<meta http-equiv=\"refresh\" content=\"60\">" : "",
                     escapeHtml(title));
}

// "until 2026-12-08 04:00 UTC" / "2026-12-08 02:00 UTC – 04:00 UTC" (same day shortened).
std::string maintenanceWhen(const MaintenanceView& w) {
  if (w.active)
    return w.end ? "until " + formatShortTime(*w.end) : std::string("until further notice");
  std::string text = formatShortTime(w.start);
  if (w.end) {
    std::string end = formatShortTime(*w.end);
    text += " &#8211; " + (end.substr(0, 10) == text.substr(0, 10) ? end.substr(11) : end);
  }
  return text;
}

std::string maintenanceWhat(const MaintenanceNotice& n) {
  return n.window.comment.empty() ? std::string("Planned maintenance") : n.window.comment;
}

std::string maintenanceScope(const MaintenanceNotice& n) {
  if (n.allServers)
    return "all servers";
  std::string out;
  for (std::size_t i = 0; i < n.serverNames.size(); ++i)
    out += (i ? ", " : "") + n.serverNames[i];
  if (n.moreServers)
    out += fmt::format(" and {} more", n.moreServers);
  return out;
}

void renderMaintenance(std::string& out, const std::vector<MaintenanceNotice>& notices,
                       bool showScope) {
  if (notices.empty())
    return;
  out += "<section id=\"maintenance\"><h2>Maintenance</h2><ul class=\"maintenance\">";
  for (const auto& n : notices) {
    out += fmt::format("<li class=\"maint\" data-window=\"{}\" data-active=\"{}\"><strong>{}"
                       "</strong> {}: {}",
                       escapeHtml(n.window.id), n.window.active ? "true" : "false",
                       n.window.active ? "In progress" : "Scheduled", maintenanceWhen(n.window),
                       escapeHtml(maintenanceWhat(n)));
    if (showScope)
      out += " <span class=\"muted\">(" + escapeHtml(maintenanceScope(n)) + ")</span>";
    out += "</li>";
  }
  out += "</ul></section>";
}

// Only http(s) URLs become links; anything else is shown as text.
std::string linkOrText(const std::string& url, const std::string& label) {
  if (url.starts_with("https://") || url.starts_with("http://"))
    return fmt::format("<a href=\"{}\" rel=\"noreferrer\">{}</a>", escapeHtml(url),
                       escapeHtml(label));
  return escapeHtml(label);
}

// The admin view's context for whoever is on call: what the server is, who owns it, what to do.
void renderResponders(std::string& out, const ServerView& v) {
  out += "<section id=\"responders\"><h2>For responders</h2><table class=\"facts\">";
  auto row = [&](std::string_view id, std::string_view label, const std::string& html) {
    out += fmt::format("<tr id=\"{}\"><th>{}</th><td>{}</td></tr>", id, label,
                       html.empty() ? std::string("&#8211;") : html);
  };
  row("ctx-visibility", "Visibility", v.isPublic ? "public" : "private (admins only)");
  row("ctx-url", "Check URL", "<code>" + escapeHtml(v.url) + "</code>");
  row("ctx-description", "Description", escapeHtml(v.description));
  row("ctx-owner", "Owner", escapeHtml(v.owner));
  row("ctx-runbook", "Runbook", v.runbookUrl.empty() ? "" : linkOrText(v.runbookUrl, v.runbookUrl));
  std::string links;
  for (const auto& l : v.links)
    links += (links.empty() ? "" : " &#183; ") + linkOrText(l.url, l.name);
  row("ctx-links", "Links", links);
  out += "</table></section>";
}

std::string dayTitle(const DayCell& c) {
  std::string text = formatDay(c.day) + ": ";
  if (c.checks == 0 && c.downSeconds == 0)
    return text + "no data";
  if (c.downSeconds == 0) {
    text += "no downtime";
  } else {
    const double up =
        c.seconds > 0 ? 1.0 - static_cast<double>(c.downSeconds) / static_cast<double>(c.seconds)
                      : 0.0;
    text += "down " + formatHumanDuration(std::chrono::seconds(c.downSeconds)) + " (" +
            formatPercent(std::max(0.0, up)) + " uptime)";
  }
  text += ", " + std::to_string(c.incidents) + (c.incidents == 1 ? " incident" : " incidents");
  if (c.checks > 0)
    text += ", " + std::to_string(c.checks - c.ok) + " failed of " + std::to_string(c.checks) +
            " checks";
  if (!c.worstReason.empty())
    text += ", most failures: " + c.worstReason;
  return text;
}

void renderBar(std::string& out, const std::vector<DayCell>& days) {
  if (days.empty()) {
    out += "<span class=\"muted\">history unavailable</span>";
    return;
  }
  out += fmt::format("<svg class=\"bar\" viewBox=\"0 0 {} 20\" preserveAspectRatio=\"none\" "
                     "role=\"img\" aria-label=\"{}-day status history\">",
                     days.size() * 5, days.size());
  std::size_t x = 0;
  for (const auto& c : days) {
    out += fmt::format("<rect x=\"{}\" y=\"0\" width=\"4\" height=\"20\" class=\"day d-{}\">"
                       "<title>{}</title></rect>",
                       x, c.severity, escapeHtml(dayTitle(c)));
    x += 5;
  }
  out += "</svg>";
}

// What the colours of the 90-day bar mean, and which end is today.
void renderLegend(std::string& out, std::size_t days) {
  out += fmt::format("<p class=\"legend\" id=\"bar-legend\">Bars: {} days ago &#8594; today."
                     "<span class=\"key d-ok\"></span>no downtime"
                     "<span class=\"key d-degraded\"></span>down under 1 h"
                     "<span class=\"key d-down\"></span>down 1 h or more"
                     "<span class=\"key d-none\"></span>no data</p>",
                     days);
}

void renderChart(std::string& out, const std::vector<store::LatencyPoint>& points,
                 common::WallTime from, common::WallTime to, std::string_view label) {
  out += fmt::format("<figure class=\"chart\"><figcaption>{}</figcaption>", escapeHtml(label));
  if (points.empty()) {
    out += "<p class=\"muted\">No successful checks in this period.</p></figure>";
    return;
  }
  constexpr double kW = 600, kH = 160, kLeft = 50, kBottom = 20, kTop = 8;
  double maxMs = 1;
  for (const auto& p : points)
    if (std::isfinite(p.avgMs))
      maxMs = std::max(maxMs, p.avgMs);
  // A round top for the axis: 1, 2 or 5 times a power of ten.
  double magnitude = std::pow(10.0, std::floor(std::log10(maxMs)));
  double top = magnitude;
  for (double step : {1.0, 2.0, 5.0, 10.0})
    if (step * magnitude >= maxMs) {
      top = step * magnitude;
      break;
    }
  double span =
      std::max(1.0, static_cast<double>(duration_cast<std::chrono::seconds>(to - from).count()));
  auto xOf = [&](common::WallTime t) {
    double s = static_cast<double>(duration_cast<std::chrono::seconds>(t - from).count());
    return kLeft + std::clamp(s / span, 0.0, 1.0) * (kW - kLeft - 4);
  };
  auto yOf = [&](double ms) {
    return kTop + (1 - std::clamp(ms / top, 0.0, 1.0)) * (kH - kTop - kBottom);
  };
  out += fmt::format("<svg class=\"latency\" viewBox=\"0 0 {} {}\" role=\"img\" "
                     "aria-label=\"{}\">",
                     kW, kH, escapeHtml(label));
  out += fmt::format("<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>"
                     "<line class=\"axis\" x1=\"{0}\" y1=\"{2}\" x2=\"{3}\" y2=\"{2}\"/>",
                     kLeft, kTop, kH - kBottom, kW - 4);
  out += fmt::format("<line class=\"grid\" x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\"/>",
                     kLeft, yOf(top / 2), kW - 4);
  out += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                     kLeft - 4, kTop + 8, escapeHtml(formatLatency(top)));
  out += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>",
                     kLeft - 4, yOf(top / 2) + 4, escapeHtml(formatLatency(top / 2)));
  out += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>",
                     kLeft - 4, kH - kBottom);
  out += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{}\">{}</text>", kLeft, kH - 4,
                     escapeHtml(formatShortTime(from)));
  out += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", kW - 4,
                     kH - 4, escapeHtml(formatShortTime(to)));
  out += "<polyline class=\"line\" points=\"";
  for (const auto& p : points)
    out += fmt::format("{:.1f},{:.1f} ", xOf(p.bucketStart), yOf(p.avgMs));
  out += "\"/>";
  for (const auto& p : points)
    out += fmt::format("<circle class=\"pt\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2\"><title>{}: {} "
                       "({} checks)</title></circle>",
                       xOf(p.bucketStart), yOf(p.avgMs), escapeHtml(formatShortTime(p.bucketStart)),
                       escapeHtml(formatLatency(p.avgMs)), p.samples);
  out += "</svg></figure>";
}

// "legacy streamable-http 2025-11-25" for one side of a protocol change.
std::string protocolSide(const common::Json& side) {
  if (!side.is_object())
    return "–";
  auto text = [&](const char* key) {
    auto it = side.find(key);
    return it != side.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string out = "<code>" + escapeHtml(text("transport")) + "</code>";
  if (auto version = text("protocol_version"); !version.empty())
    out += " " + escapeHtml(version);
  return out;
}

std::string diffList(const common::Json& diff, const char* key) {
  if (!diff.is_object() || !diff.contains(key) || !diff[key].is_array() || diff[key].empty())
    return "–";
  std::string out;
  for (const auto& item : diff[key]) {
    if (!out.empty())
      out += ", ";
    out +=
        "<code>" + escapeHtml(item.is_string() ? item.get<std::string>() : item.dump()) + "</code>";
  }
  return out;
}

std::string shortFingerprint(std::string_view fp) {
  auto colon = fp.find(':');
  auto hex = colon == std::string_view::npos ? fp : fp.substr(colon + 1);
  return std::string(hex.substr(0, 12));
}

} // namespace

std::string displayState(const ServerView& view) {
  return std::string(displayStateOf(view));
}

int stateRank(std::string_view state) {
  static constexpr std::string_view kOrder[] = {"down",   "flapping", "failing", "maintenance",
                                                "paused", "unknown",  "up"};
  for (int i = 0; i < 7; ++i)
    if (kOrder[i] == state)
      return i;
  return 7;
}

std::vector<MaintenanceNotice> maintenanceNotices(const std::vector<MaintenanceView>& windows,
                                                  const ServerViews& servers,
                                                  const ServerView* only, bool includePrivate) {
  constexpr std::size_t kNames = 10;
  std::vector<MaintenanceNotice> out;
  for (const auto& w : windows) {
    if (only && !detector::matches(w.target, {only->slug, only->tags}))
      continue;
    MaintenanceNotice n{w, w.target.all, {}, 0};
    std::size_t covered = 0;
    for (const auto& v : servers) {
      if ((!v.isPublic && !includePrivate) || !detector::matches(w.target, {v.slug, v.tags}))
        continue;
      if (++covered <= kNames)
        n.serverNames.push_back(v.name);
    }
    if (covered == 0 && !n.allServers)
      continue; // only private servers: nothing to tell visitors
    n.moreServers = covered > kNames ? covered - kNames : 0;
    out.push_back(std::move(n));
  }
  return out;
}

Overview gatherOverview(store::Store& store, std::vector<ServerView> servers, common::WallTime now,
                        bool withDays) {
  Overview overview;
  overview.generatedAt = now;
  overview.servers.reserve(servers.size());
  for (auto& view : servers) {
    ServerSummary s;
    s.view = std::move(view);
    auto history = readHistory(store, s.view.slug, now, overview.errors);
    fillUptimesFrom(history, s, now);
    if (withDays)
      fillDaysFrom(history, s, now);
    overview.servers.push_back(std::move(s));
  }
  std::stable_sort(overview.servers.begin(), overview.servers.end(),
                   [](const ServerSummary& a, const ServerSummary& b) {
                     int ra = stateRank(displayState(a.view)), rb = stateRank(displayState(b.view));
                     if (ra != rb)
                       return ra < rb;
                     return a.view.name < b.view.name;
                   });
  return overview;
}

Detail gatherDetail(store::Store& store, ServerView server, common::WallTime now) {
  Detail d;
  d.generatedAt = now;
  d.summary.view = std::move(server);
  const std::string slug = d.summary.view.slug;
  auto history = readHistory(store, slug, now, d.errors);
  fillUptimesFrom(history, d.summary, now);
  fillDaysFrom(history, d.summary, now);
  auto end = now + 1ms;
  if (auto l = store.latencySeries(slug, now - kDay, end, 15min))
    d.latency24h = std::move(l.value());
  else
    d.errors.push_back(l.error());
  if (auto l = store.latencySeries(slug, now - 7 * kDay, end, 2h))
    d.latency7d = std::move(l.value());
  else
    d.errors.push_back(l.error());
  if (auto i = store.incidentsOf(slug, 50))
    d.incidents = std::move(i.value());
  else
    d.errors.push_back(i.error());
  if (auto f = store.checksSince(slug, now - 30 * kDay, kFailuresRead, true))
    d.failures = std::move(f.value());
  else
    d.errors.push_back(f.error());
  if (auto c = store.schemaChanges(slug, 20))
    d.schemaChanges = std::move(c.value());
  else
    d.errors.push_back(c.error());
  return d;
}

namespace {

// Query-string encoding of a parameter value (RFC 3986 unreserved characters kept).
std::string queryEncode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::string hrefWith(const OverviewPageInfo& info, const ServerFilter& filter, std::size_t page) {
  std::string query;
  auto add = [&](std::string_view name, std::string_view value) {
    query += query.empty() ? "?" : "&";
    query += name;
    query += '=';
    query += queryEncode(value);
  };
  if (!filter.q.empty())
    add("q", filter.q);
  if (!filter.tag.empty())
    add("tag", filter.tag);
  if (!filter.state.empty())
    add("state", filter.state);
  if (info.perPage != info.defaultPerPage)
    add("limit", std::to_string(info.perPage));
  if (page > 1)
    add("page", std::to_string(page));
  return "/" + query;
}

} // namespace

std::string overviewHref(const OverviewPageInfo& info, std::size_t page) {
  return hrefWith(info, info.filter, page);
}

std::string renderOverviewPage(const Overview& rows, const OverviewPageInfo& info) {
  const auto& servers = rows.servers;
  // Controls only where they help: a fleet longer than a page, or a filter in use.
  const bool controls = info.fleet > info.perPage || !info.filter.empty();
  // The problem states are always listed, with 0 when none (as the page always showed them).
  auto counts = info.counts;
  int problems = 0;
  for (const char* bad : {"down", "flapping", "failing"})
    problems += counts[bad];

  std::string out = head(info.title, true);
  out.reserve(4096 + servers.size() * 9000);
  out += "<header><h1>";
  if (info.logo)
    out += "<img class=\"logo\" src=\"/static/logo\" alt=\"\"> ";
  out += escapeHtml(info.title) + "</h1>";
  if (info.fleet == 0)
    out += "<p class=\"banner b-none\">No servers are published on this page.</p>";
  else if (problems == 0)
    out += "<p class=\"banner b-ok\" id=\"overall\" data-overall=\"ok\">All systems "
           "operational</p>";
  else
    out += fmt::format("<p class=\"banner b-down\" id=\"overall\" data-overall=\"problem\">{} of "
                       "{} servers have problems</p>",
                       problems, info.fleet);
  out += "<p class=\"counts\">";
  for (const auto& [state, n] : counts) {
    if (controls) {
      ServerFilter only;
      only.state = state;
      out += fmt::format("<a class=\"count s-{0}\" href=\"{3}\">{1}: {2}</a> ", state,
                         stateLabel(state), n, escapeHtml(hrefWith(info, only, 1)));
    } else {
      out +=
          fmt::format("<span class=\"count s-{0}\">{1}: {2}</span> ", state, stateLabel(state), n);
    }
  }
  out += "</p>";
  if (info.admin)
    out += "<form class=\"admin-bar\" id=\"admin-bar\" method=\"post\" action=\"/admin/logout\">"
           "Admin view: private servers are listed. <button type=\"submit\">Sign out</button>"
           "</form>";
  out += "</header>";
  renderMaintenance(out, info.maintenance, true);
  if (controls) {
    out += "<form class=\"search\" method=\"get\" action=\"/\" role=\"search\">"
           "<input type=\"search\" name=\"q\" maxlength=\"200\" placeholder=\"Name or slug\" "
           "aria-label=\"Search servers by name or slug\" value=\"";
    out += escapeHtml(info.filter.q);
    out += "\">";
    if (!info.filter.tag.empty())
      out += "<input type=\"hidden\" name=\"tag\" value=\"" + escapeHtml(info.filter.tag) + "\">";
    if (!info.filter.state.empty())
      out +=
          "<input type=\"hidden\" name=\"state\" value=\"" + escapeHtml(info.filter.state) + "\">";
    if (info.perPage != info.defaultPerPage)
      out += fmt::format("<input type=\"hidden\" name=\"limit\" value=\"{}\">", info.perPage);
    out += "<button type=\"submit\">Search</button></form>";
    if (!info.filter.empty()) {
      std::string what;
      if (!info.filter.q.empty())
        what += " &#8220;" + escapeHtml(info.filter.q) + "&#8221;";
      if (!info.filter.tag.empty())
        what += " tag " + escapeHtml(info.filter.tag);
      if (!info.filter.state.empty())
        what += " state " + escapeHtml(stateLabel(info.filter.state));
      out += fmt::format("<p class=\"filter\" id=\"filter\">{} of {} servers match{} &#183; "
                         "<a href=\"/\">show all</a></p>",
                         info.matching, info.fleet, what);
    }
  }
  if (!rows.errors.empty())
    out += "<p class=\"warning\">Some history could not be read; affected values show as "
           "&#8211;.</p>";

  out += "<table class=\"servers\"><thead><tr><th>Server</th><th>State</th><th>24 h</th>"
         "<th class=\"wide\">7 d</th><th class=\"wide\">30 d</th><th class=\"wide\">90 d</th>"
         "<th class=\"history\">Last 90 days</th><th>Latency</th></tr></thead><tbody>";
  for (const auto& s : servers) {
    std::string state = displayState(s.view);
    out += fmt::format("<tr class=\"server\" data-slug=\"{0}\" data-state=\"{1}\">"
                       "<td class=\"name\"><a href=\"/status/{0}\">{2}</a></td>"
                       "<td class=\"pill\"><span class=\"state s-{1}\">{3}</span></td>"
                       "<td class=\"num u24\" data-label=\"24 h\">{4}</td>"
                       "<td class=\"num wide\">{5}</td><td class=\"num wide\">{6}</td>"
                       "<td class=\"num wide\">{7}</td><td class=\"history\">",
                       escapeHtml(s.view.slug), state, escapeHtml(s.view.name), stateLabel(state),
                       formatPercent(s.uptime24h), formatPercent(s.uptime7d),
                       formatPercent(s.uptime30d), formatPercent(s.uptime90d));
    renderBar(out, s.days);
    out += fmt::format("</td><td class=\"num latency\">{}</td></tr>",
                       escapeHtml(formatLatency(s.view.state.lastResponseTimeMs)));
  }
  out += "</tbody></table>";
  if (!servers.empty())
    renderLegend(out, kBarDays);
  if (servers.empty() && !info.filter.empty())
    out += "<p class=\"muted\" id=\"no-match\">No server matches.</p>";
  if (info.pages > 1) {
    out += "<nav class=\"pages\">";
    if (info.page > 1)
      out += fmt::format("<a rel=\"prev\" href=\"{}\">&#8592; previous</a> ",
                         escapeHtml(overviewHref(info, info.page - 1)));
    out += fmt::format("<span>page {} of {}</span>", info.page, info.pages);
    if (info.page < info.pages)
      out += fmt::format(" <a rel=\"next\" href=\"{}\">next &#8594;</a>",
                         escapeHtml(overviewHref(info, info.page + 1)));
    out += "</nav>";
  }
  out += fmt::format("<footer>Updated {} &#183; <a href=\"/feed.atom\">Atom feed</a>{} &#183; "
                     "mcpwatch</footer></main></body></html>\n",
                     escapeHtml(formatShortTime(rows.generatedAt)),
                     info.adminLogin && !info.admin
                         ? " &#183; <a href=\"/admin/login\" rel=\"nofollow\">Admin sign-in</a>"
                         : "");
  return out;
}

std::string renderDetailPage(const Detail& d, std::string_view siteTitle) {
  const auto& v = d.summary.view;
  // Admins see the whole failure text; visitors the public-safe part.
  auto shownDetail = [&](const std::string& detail) {
    return d.admin ? detail : publicDetail(detail);
  };
  std::string state = displayState(v);
  std::string out = head(v.name + " – " + std::string(siteTitle), true);
  out += fmt::format("<p class=\"crumbs\"><a href=\"/\">&#8592; all servers</a></p>"
                     "<header><h1 id=\"server-name\">{}</h1>"
                     "<p><span class=\"state s-{}\" id=\"state\" data-state=\"{}\">{}</span></p>",
                     escapeHtml(v.name), state, state, stateLabel(state));
  if (v.inMaintenance && !v.maintenanceIds.empty()) {
    out += "<p class=\"muted\">Maintenance: ";
    for (std::size_t i = 0; i < v.maintenanceIds.size(); ++i)
      out += (i ? ", " : "") + escapeHtml(v.maintenanceIds[i]);
    out += "</p>";
  }
  out += "</header>";
  renderMaintenance(out, d.maintenance, false);
  if (d.admin)
    renderResponders(out, v);
  if (!d.errors.empty())
    out += "<p class=\"warning\">Some history could not be read; affected values show as "
           "&#8211;.</p>";

  auto fact = [&](std::string_view id, std::string_view label, const std::string& valueHtml) {
    out += fmt::format("<tr id=\"{}\"><th>{}</th><td>{}</td></tr>", id, label, valueHtml);
  };
  out += "<section><h2>Details</h2><table class=\"facts\">";
  std::string serverInfo = v.serverName ? escapeHtml(*v.serverName) : std::string("–");
  if (v.serverVersion)
    serverInfo += " " + escapeHtml(*v.serverVersion);
  fact("fact-server", "Server", serverInfo);
  fact("fact-protocol", "Protocol version",
       v.state.protocolVersion ? escapeHtml(*v.state.protocolVersion) : "–");
  fact("fact-tools", "Tools", v.toolCount ? std::to_string(*v.toolCount) : "–");
  fact("fact-latency", "Response time", escapeHtml(formatLatency(v.state.lastResponseTimeMs)));
  fact("fact-last-check", "Last check",
       v.state.lastCheckAt ? escapeHtml(formatShortTime(*v.state.lastCheckAt)) : "–");
  if (v.tlsNotAfter) {
    auto left = duration_cast<std::chrono::hours>(*v.tlsNotAfter - d.generatedAt).count() / 24;
    fact("fact-tls", "Certificate expires",
         fmt::format("{} ({})", escapeHtml(formatDay(*v.tlsNotAfter)),
                     left < 0 ? std::string("expired") : fmt::format("{} days left", left)));
  } else {
    fact("fact-tls", "Certificate expires", "–");
  }
  fact("fact-uptime", "Uptime 24 h / 7 d / 30 d / 90 d",
       fmt::format("{} / {} / {} / {}", formatPercent(d.summary.uptime24h),
                   formatPercent(d.summary.uptime7d), formatPercent(d.summary.uptime30d),
                   formatPercent(d.summary.uptime90d)));
  out += "</table></section>";

  out += "<section><h2>Last 90 days</h2>";
  renderBar(out, d.summary.days);
  renderLegend(out, d.summary.days.empty() ? kBarDays : d.summary.days.size());
  out += "</section><section><h2>Response time</h2>";
  renderChart(out, d.latency24h, d.generatedAt - kDay, d.generatedAt, "Last 24 hours");
  renderChart(out, d.latency7d, d.generatedAt - 7 * kDay, d.generatedAt, "Last 7 days");
  out += "</section>";

  out += "<section><h2>Incidents</h2>";
  if (d.incidents.empty()) {
    out += "<p class=\"muted\" id=\"no-incidents\">No incidents recorded.</p>";
  } else {
    out += "<table class=\"incidents\"><thead><tr><th>Started</th><th>Ended</th><th>Duration</th>"
           "<th>Reason</th><th>Detail</th></tr></thead><tbody>";
    for (const auto& i : d.incidents) {
      auto end = i.closedAt.value_or(d.generatedAt);
      out += fmt::format(
          "<tr class=\"incident\" data-open=\"{}\"><td><a href=\"/incidents/{}\">{}</a></td>"
          "<td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
          i.closedAt ? "false" : "true", escapeHtml(i.id), escapeHtml(formatShortTime(i.openedAt)),
          i.closedAt ? escapeHtml(formatShortTime(*i.closedAt)) : "ongoing",
          escapeHtml(formatHumanDuration(duration_cast<std::chrono::seconds>(end - i.openedAt))),
          escapeHtml(i.reason), escapeHtml(shownDetail(i.detail)));
    }
    out += "</tbody></table>";
  }
  out += "</section><section><h2>Recent failures</h2>";
  if (d.failures.empty()) {
    out += "<p class=\"muted\">No failed checks in the last 30 days.</p>";
  } else {
    out += "<table class=\"failures\"><thead><tr><th>Time</th><th>Reason</th><th>HTTP</th>"
           "<th>JSON-RPC</th><th>Detail</th></tr></thead><tbody>";
    // Runs of the same failure (reason, HTTP status, JSON-RPC code, public detail) are one row:
    // "12 times, 10:00 – 10:11" instead of twelve identical lines.
    std::size_t rows = 0;
    for (std::size_t i = 0; i < d.failures.size() && rows < kFailureRows; ++rows) {
      const auto& c = d.failures[i];
      const std::string detail = shownDetail(c.detail);
      std::size_t j = i + 1;
      while (j < d.failures.size() && d.failures[j].reason == c.reason &&
             d.failures[j].httpStatus == c.httpStatus &&
             d.failures[j].jsonrpcCode == c.jsonrpcCode &&
             shownDetail(d.failures[j].detail) == detail)
        ++j;
      const std::size_t n = j - i;
      std::string when = escapeHtml(formatShortTime(c.at));
      if (n > 1) {
        // Failures are newest first: the run spans from its last entry to its first.
        when = fmt::format("{} &#8211; {} <span class=\"muted\">({} times)</span>",
                           escapeHtml(formatShortTime(d.failures[j - 1].at)), when, n);
      }
      out += fmt::format("<tr class=\"failure\" data-count=\"{}\"><td>{}</td><td><code>{}</code>"
                         "</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                         n, when, escapeHtml(c.reason),
                         c.httpStatus ? std::to_string(*c.httpStatus) : "–",
                         c.jsonrpcCode ? std::to_string(*c.jsonrpcCode) : "–", escapeHtml(detail));
      i = j;
    }
    out += "</tbody></table>";
  }
  out += "</section><section><h2>Schema and protocol changes</h2>";
  if (d.schemaChanges.empty()) {
    out += "<p class=\"muted\">No tool schema changes recorded.</p>";
  } else {
    out += "<table class=\"schema\"><thead><tr><th>Time</th><th>Fingerprint</th><th>Added</th>"
           "<th>Removed</th><th>Changed</th></tr></thead><tbody>";
    for (const auto& c : d.schemaChanges) {
      auto diff = common::parseJson(c.diffJson).value_or(common::Json::object());
      if (diff.is_object() && diff.contains("protocol") && diff["protocol"].is_object()) {
        out += fmt::format("<tr class=\"protocol-change\"><td>{}</td><td colspan=\"4\">Protocol: "
                           "{} &#8594; {}</td></tr>",
                           escapeHtml(formatShortTime(c.at)),
                           protocolSide(diff["protocol"].value("from", common::Json())),
                           protocolSide(diff["protocol"].value("to", common::Json())));
        continue;
      }
      out += fmt::format("<tr class=\"schema-change\"><td>{}</td><td><code>{}</code> &#8594; "
                         "<code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                         escapeHtml(formatShortTime(c.at)),
                         escapeHtml(shortFingerprint(c.oldFingerprint)),
                         escapeHtml(shortFingerprint(c.newFingerprint)), diffList(diff, "added"),
                         diffList(diff, "removed"), diffList(diff, "changed"));
    }
    out += "</tbody></table>";
  }
  out += fmt::format("</section><footer>Updated {} &#183; mcpwatch</footer></main></body></html>\n",
                     escapeHtml(formatShortTime(d.generatedAt)));
  return out;
}

namespace {

// A note's text for HTML: escaped, line breaks kept.
std::string noteHtml(std::string_view text) {
  std::string out;
  for (std::string_view rest = text; !rest.empty();) {
    auto nl = rest.find('\n');
    if (!out.empty())
      out += "<br>";
    out += escapeHtml(rest.substr(0, nl));
    if (nl == std::string_view::npos)
      break;
    rest.remove_prefix(nl + 1);
  }
  return out;
}

// The public headline of an incident: the operator's title, else what happened.
std::string incidentHeadline(const store::IncidentRecord& i, std::string_view serverName) {
  if (!i.title.empty())
    return std::string(serverName) + ": " + i.title;
  return std::string(serverName) + (i.closedAt ? " was down" : " is down");
}

} // namespace

std::string renderIncidentPage(const store::IncidentRecord& incident,
                               const std::vector<store::IncidentNote>& notes,
                               const ServerView& server, common::WallTime now,
                               std::string_view siteTitle, bool admin) {
  const bool open = !incident.closedAt;
  std::string out = head("Incident: " + server.name + " – " + std::string(siteTitle), open);
  out +=
      fmt::format("<p class=\"crumbs\"><a href=\"/status/{}\">&#8592; {}</a></p>"
                  "<header><h1 id=\"incident-title\">{}</h1>"
                  "<p><span class=\"state s-{}\" id=\"incident-state\" data-open=\"{}\">{}</span>"
                  "</p></header>",
                  escapeHtml(server.slug), escapeHtml(server.name),
                  escapeHtml(incidentHeadline(incident, server.name)), open ? "down" : "up",
                  open ? "true" : "false", open ? "Ongoing" : "Resolved");
  const auto end = incident.closedAt.value_or(now);
  std::string what = incident.reason;
  if (auto status = admin ? incident.detail : publicDetail(incident.detail); !status.empty())
    what += " (" + status + ")";
  // Entries in time order; at equal times opened, held, notes, resolved.
  struct Item {
    common::WallTime at;
    int rank;
    std::string kind;
    std::string html;
  };
  std::vector<Item> items;
  items.push_back(
      {incident.openedAt, 0, "opened", "Incident opened: <code>" + escapeHtml(what) + "</code>"});
  if (!incident.triggerSent)
    items.push_back(
        {incident.openedAt, 1, "held",
         open ? "Alerts held back (maintenance, or a dependency that is down)"
              : "Nobody was paged: alerts were held back (maintenance, or a dependency that was "
                "down)"});
  for (const auto& n : notes)
    items.push_back({n.at, 2, n.isPublic ? "note" : "internal-note",
                     std::string(n.isPublic ? "" : "<strong>Internal note:</strong> ") +
                         "<span class=\"note\">" + noteHtml(n.text) + "</span>"});
  if (incident.closedAt)
    items.push_back(
        {*incident.closedAt, 3, "resolved",
         "Resolved" + (incident.resolveNote.empty() ? std::string()
                                                    : ": " + escapeHtml(incident.resolveNote))});
  std::stable_sort(items.begin(), items.end(), [](const Item& x, const Item& y) {
    return x.at != y.at ? x.at < y.at : x.rank < y.rank;
  });
  out += "<section><h2>Timeline</h2><ol class=\"timeline\" id=\"timeline\">";
  for (const auto& i : items)
    out += fmt::format("<li data-kind=\"{}\"><time datetime=\"{}\">{}</time> {}</li>", i.kind,
                       escapeHtml(common::formatRfc3339(i.at)), escapeHtml(formatShortTime(i.at)),
                       i.html);
  out += "</ol>";
  out +=
      fmt::format("<p id=\"incident-duration\">{} {}.</p></section>", open ? "Down for" : "Lasted",
                  escapeHtml(formatHumanDuration(
                      duration_cast<std::chrono::seconds>(end - incident.openedAt))));
  out += fmt::format("<footer>Incident {} &#183; <a href=\"/feed.atom\">Atom feed</a> &#183; "
                     "mcpwatch</footer></main></body></html>\n",
                     escapeHtml(incident.id));
  return out;
}

std::string renderIncidentFeed(const std::vector<FeedEntry>& entries,
                               const std::vector<MaintenanceNotice>& maintenance,
                               std::string_view publicUrl, std::string_view siteTitle,
                               common::WallTime now) {
  const std::string base(publicUrl);
  // An entry changed when it opened, closed or got its latest note; the feed when its newest
  // entry did (an old incident may have closed last).
  auto entryUpdated = [](const FeedEntry& e) {
    auto t = e.incident.closedAt.value_or(e.incident.openedAt);
    for (const auto& n : e.notes)
      t = std::max(t, n.at);
    return t;
  };
  auto maintenanceDate = [&](const MaintenanceView& w) {
    return w.active ? w.start : std::min(now, w.start - std::chrono::hours(24 * 7));
  };
  common::WallTime updated = now;
  if (!entries.empty() || !maintenance.empty()) {
    updated = common::WallTime{};
    for (const auto& e : entries)
      updated = std::max(updated, entryUpdated(e));
    for (const auto& n : maintenance)
      updated = std::max(updated, maintenanceDate(n.window));
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                    "<feed xmlns=\"http://www.w3.org/2005/Atom\">";
  out +=
      fmt::format("<title>{} incidents</title><id>{}/feed.atom</id><updated>{}</updated>"
                  "<link rel=\"self\" href=\"{}/feed.atom\"/><link href=\"{}/\"/>"
                  "<author><name>mcpwatch</name></author>",
                  escapeHtml(siteTitle), escapeHtml(base),
                  escapeHtml(common::formatRfc3339(updated)), escapeHtml(base), escapeHtml(base));
  // Maintenance first: an entry per occurrence, dated by its start while in progress, and by
  // when it came within a week (the page's horizon) while upcoming, so the date stays put.
  for (const auto& n : maintenance) {
    const auto& w = n.window;
    const auto date = maintenanceDate(w);
    std::string title =
        (w.active ? "Maintenance in progress: " : "Scheduled maintenance: ") + maintenanceWhat(n);
    std::string summary = (w.active ? "In progress " : "Scheduled ") + maintenanceWhen(w) +
                          " for " + maintenanceScope(n) + ".";
    // maintenanceWhen() writes an HTML en dash; the summary is escaped text.
    for (auto at = summary.find("&#8211;"); at != std::string::npos; at = summary.find("&#8211;"))
      summary.replace(at, 7, "\u2013");
    out += fmt::format(
        "<entry><title>{}</title><id>{}/#maintenance-{}-{}</id><updated>{}</updated>"
        "<published>{}</published><link href=\"{}/\"/><summary>{}</summary></entry>",
        escapeHtml(title), escapeHtml(base), escapeHtml(w.id),
        std::chrono::duration_cast<std::chrono::seconds>(w.start.time_since_epoch()).count(),
        escapeHtml(common::formatRfc3339(date)), escapeHtml(common::formatRfc3339(date)),
        escapeHtml(base), escapeHtml(summary));
  }
  for (const auto& e : entries) {
    const auto& i = e.incident;
    std::string title;
    if (!i.title.empty())
      title = incidentHeadline(i, e.serverName) + (i.closedAt ? " (resolved)" : "");
    else if (i.closedAt)
      title = e.serverName + " recovered after " +
              formatHumanDuration(duration_cast<std::chrono::seconds>(*i.closedAt - i.openedAt));
    else
      title = e.serverName + " is down: " + i.reason;
    std::string summary = "Down since " + formatShortTime(i.openedAt) + " (" + i.reason;
    if (auto status = publicDetail(i.detail); !status.empty())
      summary += ", " + status;
    summary += ")";
    if (i.closedAt)
      summary += "; resolved " + formatShortTime(*i.closedAt);
    summary += ".";
    if (!e.notes.empty())
      summary += " Update " + formatShortTime(e.notes.back().at) + ": " + e.notes.back().text;
    out += fmt::format("<entry><title>{}</title><id>{}/incidents/{}</id><updated>{}</updated>"
                       "<published>{}</published><link href=\"{}/incidents/{}\"/>"
                       "<summary>{}</summary></entry>",
                       escapeHtml(title), escapeHtml(base), escapeHtml(i.id),
                       escapeHtml(common::formatRfc3339(entryUpdated(e))),
                       escapeHtml(common::formatRfc3339(i.openedAt)), escapeHtml(base),
                       escapeHtml(i.id), escapeHtml(summary));
  }
  out += "</feed>\n";
  return out;
}

std::string renderLoginPage(std::string_view siteTitle, std::string_view message) {
  std::string out = head("Admin sign-in – " + std::string(siteTitle));
  out += "<p class=\"crumbs\"><a href=\"/\">&#8592; all servers</a></p><h1>Admin sign-in</h1>";
  if (!message.empty())
    out += "<p class=\"warning\" id=\"login-error\">" + escapeHtml(message) + "</p>";
  out += "<form class=\"login\" method=\"post\" action=\"/admin/login\">"
         "<label for=\"token\">Admin token (<code>web.admin_token</code>)</label> "
         "<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" "
         "required maxlength=\"1024\"> <button type=\"submit\">Sign in</button></form>"
         "<p class=\"muted\">Signed in, the pages list private servers and show each server's "
         "owner, runbook, links, check URL and the whole failure details. The session lasts 12 "
         "hours, until you sign out, the token changes or mcpwatch restarts.</p>"
         "</main></body></html>\n";
  return out;
}

std::string renderErrorPage(int status, std::string_view title, std::string_view message) {
  std::string out = head(title);
  out += fmt::format("<h1>{} {}</h1><p>{}</p><p><a href=\"/\">All servers</a></p></main></body>"
                     "</html>\n",
                     status, escapeHtml(title), escapeHtml(message));
  return out;
}

const std::string_view kStyleCss = R"css(/* mcpwatch status page: light and dark, WCAG AA text */
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1f2328; --muted: #59636e;
  --line: rgba(127,127,127,.3); --ok: #1a7f37; --warn: #9a6700; --down: #c62828;
  --maint: #2f5fb3; --none: #d0d7de; --none-fg: #1f2328; --warn-bg: #fff4d6; --warn-fg: #5c4400;
  --chart: #2f5fb3; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: rgba(160,160,160,.25);
    --none: #3d444d; --none-fg: #e6edf3; --warn-bg: #3b2e00; --warn-fg: #f2cc60;
    --chart: #6ea8fe; }
}
html { background: var(--bg); color: var(--fg); }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0;
  background: var(--bg); color: var(--fg); }
main { max-width: 1180px; margin: 0 auto; padding: 1.5rem; }
h1 { margin: 0 0 .5rem; font-size: 1.6rem; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 1.8rem 0 .6rem; }
a { color: inherit; }
.muted, footer { color: var(--muted); }
.tick { fill: var(--muted); }
footer { margin-top: 2rem; font-size: .85rem; }
.banner { padding: .7rem 1rem; border-radius: 6px; color: #fff; font-weight: 600; }
.b-ok { background: var(--ok); } .b-down { background: var(--down); }
.b-none { background: var(--none); color: var(--none-fg); }
.warning { background: var(--warn-bg); color: var(--warn-fg); padding: .5rem .8rem;
  border-radius: 6px; }
.counts .count { margin-right: 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line);
  vertical-align: middle; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.history { width: 40%; } th.history { width: 40%; }
td.name { overflow-wrap: anywhere; }
.state { display: inline-block; padding: .1rem .55rem; border-radius: 999px; color: #fff;
  font-size: .85rem; white-space: nowrap; }
.s-up { background: var(--ok); } .s-failing { background: var(--warn); }
.s-down, .s-flapping { background: var(--down); } .s-maintenance { background: var(--maint); }
.s-paused, .s-unknown { background: var(--none); color: var(--none-fg); }
.counts .count { background: none; color: inherit; }
svg.bar { width: 100%; height: 22px; display: block; }
.d-ok { fill: var(--ok); } .d-degraded { fill: var(--warn); } .d-down { fill: var(--down); }
.d-none { fill: var(--none); }
.day:hover { opacity: .7; }
.timeline { padding-left: 1.2rem; } .timeline li { margin: .3rem 0; }
.legend { font-size: .85rem; color: var(--muted); margin: .3rem 0 0; }
.legend .key { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px;
  vertical-align: -.1rem; margin: 0 .25rem 0 .8rem; }
.key.d-ok { background: var(--ok); } .key.d-degraded { background: var(--warn); }
.key.d-down { background: var(--down); } .key.d-none { background: var(--none); }
figure.chart { margin: 0 0 1rem; }
figcaption { font-weight: 600; margin-bottom: .3rem; }
svg.latency { width: 100%; max-width: 900px; height: auto; display: block; }
.axis { stroke: var(--muted); stroke-width: 1; } .grid { stroke: var(--line); }
.line { fill: none; stroke: var(--chart); stroke-width: 1.5; } .pt { fill: var(--chart); }
.tick { font-size: 10px; }
table.facts th { width: 16rem; font-weight: 500; color: var(--muted); }
code { font-size: .9em; overflow-wrap: anywhere; }
nav.pages { margin-top: 1rem; }
form.search { margin: .8rem 0; display: flex; gap: .5rem; }
form.search input { flex: 1; min-width: 0; max-width: 24rem; padding: .3rem .5rem; font: inherit; }
form.search button { padding: .3rem .8rem; font: inherit; }
a.count { text-decoration: none; } a.count:hover { text-decoration: underline; }
h1 img.logo { height: 2rem; width: auto; max-width: 40vw; vertical-align: middle; }
ul.maintenance { padding-left: 1.2rem; } li.maint { margin: .2rem 0; }
ol.timeline li[data-kind="note"] .note { display: inline-block; vertical-align: top; }
/* Phones: each server is a small card (name and state, the 90-day bar, 24 h uptime and
   latency); the wide tables of a server's page scroll inside themselves, never the page. */
@media (max-width: 640px) {
  main { padding: 1rem .75rem; }
  table.servers thead { display: none; }
  table.servers tr.server { display: grid; grid-template-columns: 1fr auto; gap: .3rem .5rem;
    padding: .6rem 0; border-bottom: 1px solid var(--line); }
  table.servers td { border: 0; padding: 0; width: auto; }
  table.servers td.name { order: 1; } table.servers td.pill { order: 2; text-align: right; }
  table.servers td.history { order: 3; grid-column: 1 / -1; }
  table.servers td.u24 { order: 4; text-align: left; }
  table.servers td.u24::before { content: attr(data-label) " "; color: var(--muted); }
  table.servers td.latency { order: 5; }
  table.servers td.wide { display: none; }
  table.facts th { width: auto; }
  table.incidents, table.failures, table.schema { display: block; overflow-x: auto; }
}
)css";

} // namespace mcpwatch::web
