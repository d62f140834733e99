// Maintenance windows (one-off, recurring cron in an IANA zone, added at run time) and which
// of them cover a server at a given time. Pure: the daemon asks with explicit times.
#pragma once

#include "common/clock.hpp"
#include "common/cron.hpp"
#include "common/expected.hpp"
#include "common/json.hpp"
#include "common/timezone.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mcpwatch::detector {

// Which servers a window covers: all, or any listed slug, or any server with a listed tag.
struct WindowTarget {
  bool all = false;
  std::vector<std::string> servers;
  std::vector<std::string> tags;
};

// A server as windows see it.
struct ServerRef {
  std::string slug;
  std::vector<std::string> tags;
};

bool matches(const WindowTarget& target, const ServerRef& server);

struct OneOffWindow {
  common::WallTime start;
  std::optional<common::WallTime> end; // nullopt: until ended (admin API "start maintenance")
};

struct RecurringWindow {
  common::CronExpression cron;
  std::chrono::seconds duration{0};
  std::shared_ptr<const common::TimeZone> zone;
};

enum class WindowSource { Config, Runtime };

struct MaintenanceWindow {
  std::string id; // unique in a calendar; the config's window name, or the admin API's id
  WindowTarget target;
  std::variant<OneOffWindow, RecurringWindow> when;
  WindowSource source = WindowSource::Config;
  std::string comment;
  // Set by endEarly(): from this time the occurrence that was active then no longer counts
  // (for a recurring window later occurrences still do).
  std::optional<common::WallTime> endedAt;
  std::optional<common::WallTime> endedOccurrence; // start of the occurrence that was ended
};

// Validates and builds a one-off window (end must be after start).
common::Expected<MaintenanceWindow, std::string>
makeOneOffWindow(std::string id, WindowTarget target, common::WallTime start,
                 std::optional<common::WallTime> end, WindowSource source = WindowSource::Config);
// Validates and builds a recurring window; errors name the field ("cron: ...", "timezone: ...").
common::Expected<MaintenanceWindow, std::string>
makeRecurringWindow(std::string id, WindowTarget target, std::string_view cron,
                    std::chrono::seconds duration, std::string_view timezone,
                    WindowSource source = WindowSource::Config,
                    std::string_view zoneinfoDir = "/usr/share/zoneinfo");
// The same from an expression and a zone already parsed (the config's): only the duration and
// the zone's presence are checked.
common::Expected<MaintenanceWindow, std::string>
makeRecurringWindow(std::string id, WindowTarget target, common::CronExpression cron,
                    std::chrono::seconds duration, std::shared_ptr<const common::TimeZone> zone,
                    WindowSource source = WindowSource::Config);

// The occurrence of `window` covering `at`, as [start, end) (end nullopt = open-ended).
struct Occurrence {
  common::WallTime start;
  std::optional<common::WallTime> end;
};
std::optional<Occurrence> activeOccurrence(const MaintenanceWindow& window, common::WallTime at);
// The occurrence covering `at`, else the first one starting after it (status page: "in
// progress" or "upcoming"). nullopt: a one-off window that is over.
std::optional<Occurrence> currentOrNextOccurrence(const MaintenanceWindow& window,
                                                  common::WallTime at);

class MaintenanceCalendar {
public:
  // Config reload: replaces every Config window, keeps Runtime ones. Ids must be unique.
  std::optional<std::string> setConfigWindows(std::vector<MaintenanceWindow> windows);
  // Adds a window (admin API); error when the id is empty or already used.
  std::optional<std::string> add(MaintenanceWindow window);
  // Ends the window's current occurrence at `now` (a one-off window is over for good; a
  // recurring one resumes with its next occurrence). Error for unknown ids or when the window
  // is not active at `now`.
  std::optional<std::string> endEarly(std::string_view id, common::WallTime now);
  // Forgets a window entirely (e.g. a scheduled one-off that is no longer wanted).
  bool remove(std::string_view id);
  // Drops one-off windows that ended before `now` (runtime housekeeping).
  void pruneExpired(common::WallTime now);

  const std::vector<MaintenanceWindow>& windows() const { return windows_; }
  const MaintenanceWindow* find(std::string_view id) const;

  bool active(const ServerRef& server, common::WallTime at) const;
  // Ids of the windows covering the server at `at` (for the status page and logs).
  std::vector<std::string> activeWindows(const ServerRef& server, common::WallTime at) const;
  // The first instant after `after` at which active(server, ·) differs from active(server,
  // after): when the daemon must call Detector::evaluate() without a probe. nullopt: never
  // (within a year of lookahead). When thousands of boundaries change nothing (overlapping
  // windows), an earlier instant may come back: evaluate then and ask again.
  std::optional<common::WallTime> nextChange(const ServerRef& server, common::WallTime after) const;
  // The first instant after `after` at which any window may start or end, for any server: until
  // then no server's maintenance state can change, so the daemon re-evaluates the fleet only
  // then (not on every loop turn). nullopt: no boundary within a year.
  std::optional<common::WallTime> nextBoundary(common::WallTime after) const;

  // Runtime windows only (config windows come back from the config): for the store.
  common::Json runtimeToJson() const;
  // Restores runtime windows saved by runtimeToJson(); entries that no longer parse are skipped
  // and reported in the returned messages.
  std::vector<std::string> loadRuntime(const common::Json& json,
                                       std::string_view zoneinfoDir = "/usr/share/zoneinfo");

private:
  std::vector<MaintenanceWindow> windows_;
};

common::Json toJson(const MaintenanceWindow& window);
common::Expected<MaintenanceWindow, std::string>
windowFromJson(const common::Json& json, std::string_view zoneinfoDir = "/usr/share/zoneinfo");

} // namespace mcpwatch::detector
