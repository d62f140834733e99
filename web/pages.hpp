// Status page data (gathered from the store and the backend) and its server-side HTML rendering.
#pragma once

#include "common/clock.hpp"
#include "store/store.hpp"
#include "web/backend.hpp"
#include "web/listing.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::web {

inline constexpr int kBarDays = 90;

// One UTC day of the 90-day bar.
struct DayCell {
  common::WallTime day;
  std::int64_t checks = 0;
  std::int64_t ok = 0;
  std::string worstReason;
  int incidents = 0;            // incidents overlapping the day
  std::int64_t downSeconds = 0; // time inside incidents that day
  std::int64_t seconds = 0;     // the day's length so far (today: up to now)
  // By downtime: "ok" (none), "degraded" (under 1 h), "down" (1 h or more), "none" (no data).
  std::string severity;
};

struct ServerSummary {
  ServerView view;
  std::optional<double> uptime24h, uptime7d, uptime30d, uptime90d;
  std::vector<DayCell> days; // kBarDays, oldest first (empty when not gathered)
};

// A maintenance window as visitors see it: the public servers it covers, named.
struct MaintenanceNotice {
  MaintenanceView window;
  bool allServers = false;              // covers every server
  std::vector<std::string> serverNames; // the public servers it covers (at most 10)
  std::size_t moreServers = 0;          // further public servers it covers
};
// The windows that cover at least one public server (or every server), with those servers'
// names; `only` narrows to the windows covering that server; `includePrivate` (an admin's view)
// counts and names private servers too.
std::vector<MaintenanceNotice> maintenanceNotices(const std::vector<MaintenanceView>& windows,
                                                  const ServerViews& servers,
                                                  const ServerView* only = nullptr,
                                                  bool includePrivate = false);

struct Overview {
  common::WallTime generatedAt;
  std::vector<ServerSummary> servers; // sorted: worst state first, then name
  std::vector<std::string> errors;    // store reads that failed (values left unknown)
};

struct Detail {
  common::WallTime generatedAt;
  ServerSummary summary;
  std::vector<store::LatencyPoint> latency24h; // 15-minute buckets
  std::vector<store::LatencyPoint> latency7d;  // 2-hour buckets
  std::vector<store::IncidentRecord> incidents;
  std::vector<store::CheckRecord> failures;
  std::vector<store::SchemaChangeRecord> schemaChanges;
  std::vector<MaintenanceNotice> maintenance; // windows covering this server, now or upcoming
  bool admin = false; // signed in: the responders' context, the check URL and whole details
  std::vector<std::string> errors;
};

// "up", "failing", "down", "flapping", "maintenance", "paused" or "unknown".
std::string displayState(const ServerView& view);
// Sort rank: lower is worse (shown first).
int stateRank(std::string_view state);

// Reads uptimes (and, with `withDays`, the 90-day bar) for every server. Safe on any thread.
Overview gatherOverview(store::Store& store, std::vector<ServerView> servers, common::WallTime now,
                        bool withDays = true);
Detail gatherDetail(store::Store& store, ServerView server, common::WallTime now);

// What the overview page shows around its rows: the fleet summary, the filter and page links.
struct OverviewPageInfo {
  std::map<std::string, int> counts; // every public server by display state
  std::size_t fleet = 0;             // public servers
  std::size_t matching = 0;          // public servers the filter matches (rows on all pages)
  std::size_t page = 1;              // 1-based
  std::size_t pages = 1;
  std::size_t perPage = 100;        // rows per page of this request (?limit=)
  std::size_t defaultPerPage = 100; // links leave out ?limit= when it is this
  ServerFilter filter;
  std::string title = "Status";               // web.title: the heading and the browser tab
  bool logo = false;                          // web.logo is set: /static/logo beside the heading
  std::vector<MaintenanceNotice> maintenance; // in progress and upcoming
  bool admin = false;      // signed in as admin: private servers too, a sign-out button
  bool adminLogin = false; // the admin API is enabled: a sign-in link in the footer
};
// `rows.servers` are this page's rows, in order (see selectOverviewPage). A fleet that fits on
// one page without a filter gets no search box or filter links: the page looks as it always did.
std::string renderOverviewPage(const Overview& rows, const OverviewPageInfo& info);
// The overview link of page `page` with the filter and limit of `info`, e.g. "/?state=down&page=2".
std::string overviewHref(const OverviewPageInfo& info, std::size_t page);
std::string renderDetailPage(const Detail& detail, std::string_view siteTitle = "Status");
std::string renderErrorPage(int status, std::string_view title, std::string_view message);
// GET /admin/login: a form for the admin token; `message` says what went wrong (may be empty).
std::string renderLoginPage(std::string_view siteTitle, std::string_view message);
// GET /incidents/{id}: one incident of a public server with its timeline (opened, alerts held,
// resolved); failure details public-safe. Refreshes itself while open.
// `notes`: the notes to show, oldest first (internal ones are marked). `admin`: the whole
// failure detail instead of the public-safe part.
std::string renderIncidentPage(const store::IncidentRecord& incident,
                               const std::vector<store::IncidentNote>& notes,
                               const ServerView& server, common::WallTime now,
                               std::string_view siteTitle = "Status", bool admin = false);
// GET /feed.atom: incidents of public servers, newest first (RFC 4287).
struct FeedEntry {
  store::IncidentRecord incident;
  std::string serverName;
  std::vector<store::IncidentNote> notes; // public ones, oldest first
};
// Maintenance in progress and upcoming are entries too.
std::string renderIncidentFeed(const std::vector<FeedEntry>& entries,
                               const std::vector<MaintenanceNotice>& maintenance,
                               std::string_view publicUrl, std::string_view siteTitle,
                               common::WallTime now);

// /static/style.css
extern const std::string_view kStyleCss;

} // namespace mcpwatch::web
