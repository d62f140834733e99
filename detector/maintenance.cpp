// Maintenance windows: matching servers, active occurrences and the next boundary.
#include "detector/maintenance.hpp"

#include "common/time.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace mcpwatch::detector {
namespace {

using common::Json;
using common::WallTime;

constexpr auto kLookahead = std::chrono::hours(24 * 366);
constexpr int kMaxSteps = 10'000;
constexpr int kMaxChain = 2'000;

template <class T> bool contains(const std::vector<T>& items, const T& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

bool endedBy(const MaintenanceWindow& window, WallTime occurrenceStart, WallTime at) {
  return window.endedAt && window.endedOccurrence && *window.endedOccurrence == occurrenceStart &&
         at >= *window.endedAt;
}

void keepEarliest(std::optional<WallTime>& best, std::optional<WallTime> candidate) {
  if (candidate && (!best || *candidate < *best))
    best = candidate;
}

// The first instant after `cursor` at which this window alone may become active or inactive.
std::optional<WallTime> windowBoundary(const MaintenanceWindow& window, WallTime cursor) {
  std::optional<WallTime> best;
  if (window.endedAt && *window.endedAt > cursor)
    best = window.endedAt;
  if (const auto* once = std::get_if<OneOffWindow>(&window.when)) {
    if (once->start > cursor)
      keepEarliest(best, once->start);
    if (once->end && *once->end > cursor)
      keepEarliest(best, once->end);
    return best;
  }
  const auto& rec = std::get<RecurringWindow>(window.when);
  if (auto occ = activeOccurrence(window, cursor)) {
    // Occurrences that start before the current one ends extend it (duration > period).
    WallTime end = *occ->end;
    auto next = rec.cron.next(occ->start, *rec.zone);
    const auto horizon = common::addSaturating(cursor, kLookahead);
    for (int i = 0; i < kMaxChain && next && *next <= end && *next <= horizon; ++i) {
      end = std::max(end, common::addSaturating(*next, rec.duration));
      next = rec.cron.next(*next, *rec.zone);
    }
    keepEarliest(best, end);
  } else {
    keepEarliest(best, rec.cron.next(cursor, *rec.zone));
  }
  return best;
}

Json targetToJson(const WindowTarget& target) {
  return {{"all", target.all}, {"servers", target.servers}, {"tags", target.tags}};
}

std::vector<std::string> stringList(const Json& object, const char* key) {
  std::vector<std::string> out;
  auto it = object.find(key);
  if (it != object.end() && it->is_array())
    for (const auto& item : *it)
      if (item.is_string())
        out.push_back(item.get<std::string>());
  return out;
}

std::optional<WallTime> timeField(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string())
    return std::nullopt;
  return common::parseRfc3339(it->get<std::string>());
}

std::string stringField(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

} // namespace

bool matches(const WindowTarget& target, const ServerRef& server) {
  if (target.all || contains(target.servers, server.slug))
    return true;
  for (const auto& tag : server.tags)
    if (contains(target.tags, tag))
      return true;
  return false;
}

common::Expected<MaintenanceWindow, std::string>
makeOneOffWindow(std::string id, WindowTarget target, WallTime start, std::optional<WallTime> end,
                 WindowSource source) {
  if (id.empty())
    return common::unexpected(std::string("id: must not be empty"));
  if (end && *end <= start)
    return common::unexpected(std::string("end: must be after start"));
  MaintenanceWindow window;
  window.id = std::move(id);
  window.target = std::move(target);
  window.when = OneOffWindow{start, end};
  window.source = source;
  return window;
}

common::Expected<MaintenanceWindow, std::string>
makeRecurringWindow(std::string id, WindowTarget target, std::string_view cron,
                    std::chrono::seconds duration, std::string_view timezone, WindowSource source,
                    std::string_view zoneinfoDir) {
  std::string error;
  auto expr = common::CronExpression::parse(cron, &error);
  if (!expr)
    return common::unexpected("cron: " + (error.empty() ? std::string("invalid") : error));
  auto zone =
      timezone == "UTC" ? common::TimeZone::utc() : common::TimeZone::load(timezone, zoneinfoDir);
  if (!zone)
    return common::unexpected(std::string("timezone: unknown IANA time zone"));
  return makeRecurringWindow(std::move(id), std::move(target), std::move(*expr), duration,
                             std::move(zone), source);
}

common::Expected<MaintenanceWindow, std::string>
makeRecurringWindow(std::string id, WindowTarget target, common::CronExpression cron,
                    std::chrono::seconds duration, std::shared_ptr<const common::TimeZone> zone,
                    WindowSource source) {
  if (id.empty())
    return common::unexpected(std::string("id: must not be empty"));
  if (duration <= std::chrono::seconds(0))
    return common::unexpected(std::string("duration: must be positive"));
  if (duration > kLookahead)
    return common::unexpected(std::string("duration: must be at most 366d"));
  if (!zone)
    return common::unexpected(std::string("timezone: unknown IANA time zone"));
  MaintenanceWindow window;
  window.id = std::move(id);
  window.target = std::move(target);
  window.when = RecurringWindow{std::move(cron), duration, std::move(zone)};
  window.source = source;
  return window;
}

std::optional<Occurrence> activeOccurrence(const MaintenanceWindow& window, WallTime at) {
  if (const auto* once = std::get_if<OneOffWindow>(&window.when)) {
    if (at < once->start || (once->end && at >= *once->end) || endedBy(window, once->start, at))
      return std::nullopt;
    return Occurrence{once->start, once->end};
  }
  const auto& rec = std::get<RecurringWindow>(window.when);
  // Any occurrence covering `at` started within `duration` before it; the latest start in that
  // range ends last, so it alone decides.
  const auto horizon =
      std::chrono::ceil<std::chrono::minutes>(rec.duration) + std::chrono::minutes(1);
  auto start = rec.cron.previous(at, *rec.zone, horizon);
  if (!start)
    return std::nullopt;
  const auto end = common::addSaturating(*start, rec.duration);
  if (at >= end || endedBy(window, *start, at))
    return std::nullopt;
  return Occurrence{*start, end};
}

std::optional<Occurrence> currentOrNextOccurrence(const MaintenanceWindow& window, WallTime at) {
  if (auto occ = activeOccurrence(window, at))
    return occ;
  if (const auto* once = std::get_if<OneOffWindow>(&window.when)) {
    if (at < once->start)
      return Occurrence{once->start, once->end};
    return std::nullopt;
  }
  const auto& rec = std::get<RecurringWindow>(window.when);
  auto start = rec.cron.next(at, *rec.zone);
  if (!start)
    return std::nullopt;
  return Occurrence{*start, common::addSaturating(*start, rec.duration)};
}

std::optional<std::string>
MaintenanceCalendar::setConfigWindows(std::vector<MaintenanceWindow> windows) {
  std::vector<std::string> ids;
  for (const auto& w : windows_)
    if (w.source == WindowSource::Runtime)
      ids.push_back(w.id);
  for (auto& w : windows) {
    if (w.id.empty())
      return std::string("maintenance window id must not be empty");
    if (contains(ids, w.id))
      return fmt::format("maintenance window id '{}' is used twice", w.id);
    ids.push_back(w.id);
    w.source = WindowSource::Config;
    // An occurrence ended early stays ended across a reload of the same window.
    if (const auto* old = find(w.id); old && old->source == WindowSource::Config) {
      w.endedAt = old->endedAt;
      w.endedOccurrence = old->endedOccurrence;
    }
  }
  std::erase_if(windows_, [](const auto& w) { return w.source == WindowSource::Config; });
  for (auto& w : windows)
    windows_.push_back(std::move(w));
  return std::nullopt;
}

std::optional<std::string> MaintenanceCalendar::add(MaintenanceWindow window) {
  if (window.id.empty())
    return std::string("maintenance window id must not be empty");
  if (find(window.id))
    return fmt::format("maintenance window id '{}' already exists", window.id);
  windows_.push_back(std::move(window));
  return std::nullopt;
}

std::optional<std::string> MaintenanceCalendar::endEarly(std::string_view id, WallTime now) {
  auto it =
      std::find_if(windows_.begin(), windows_.end(), [&](const auto& w) { return w.id == id; });
  if (it == windows_.end())
    return fmt::format("no maintenance window with id '{}'", id);
  auto occ = activeOccurrence(*it, now);
  if (!occ)
    return fmt::format("maintenance window '{}' is not active", id);
  it->endedAt = now;
  it->endedOccurrence = occ->start;
  if (auto* once = std::get_if<OneOffWindow>(&it->when))
    once->end = now;
  return std::nullopt;
}

bool MaintenanceCalendar::remove(std::string_view id) {
  return std::erase_if(windows_, [&](const auto& w) { return w.id == id; }) > 0;
}

void MaintenanceCalendar::pruneExpired(WallTime now) {
  std::erase_if(windows_, [&](const MaintenanceWindow& w) {
    const auto* once = std::get_if<OneOffWindow>(&w.when);
    return w.source == WindowSource::Runtime && once && once->end && *once->end <= now;
  });
}

const MaintenanceWindow* MaintenanceCalendar::find(std::string_view id) const {
  for (const auto& w : windows_)
    if (w.id == id)
      return &w;
  return nullptr;
}

bool MaintenanceCalendar::active(const ServerRef& server, WallTime at) const {
  for (const auto& w : windows_)
    if (matches(w.target, server) && activeOccurrence(w, at))
      return true;
  return false;
}

std::vector<std::string> MaintenanceCalendar::activeWindows(const ServerRef& server,
                                                            WallTime at) const {
  std::vector<std::string> ids;
  for (const auto& w : windows_)
    if (matches(w.target, server) && activeOccurrence(w, at))
      ids.push_back(w.id);
  return ids;
}

std::optional<WallTime> MaintenanceCalendar::nextBoundary(WallTime after) const {
  std::optional<WallTime> best;
  for (const auto& w : windows_)
    keepEarliest(best, windowBoundary(w, after));
  if (best && *best > common::addSaturating(after, kLookahead))
    return std::nullopt;
  return best;
}

std::optional<WallTime> MaintenanceCalendar::nextChange(const ServerRef& server,
                                                        WallTime after) const {
  const bool initial = active(server, after);
  WallTime cursor = after;
  for (int step = 0; step < kMaxSteps; ++step) {
    std::optional<WallTime> candidate;
    for (const auto& w : windows_)
      if (matches(w.target, server))
        keepEarliest(candidate, windowBoundary(w, cursor));
    if (!candidate || *candidate > after + kLookahead)
      return std::nullopt;
    // A boundary of one window may be covered by another; only a real flip counts.
    if (active(server, *candidate) != initial)
      return candidate;
    cursor = *candidate;
  }
  // Search budget spent (many boundaries that change nothing): ask again from here.
  return cursor;
}

Json toJson(const MaintenanceWindow& window) {
  Json j = {{"id", window.id},
            {"source", window.source == WindowSource::Runtime ? "runtime" : "config"},
            {"target", targetToJson(window.target)},
            {"comment", window.comment}};
  if (const auto* once = std::get_if<OneOffWindow>(&window.when)) {
    j["kind"] = "one_off";
    j["start"] = common::formatRfc3339Millis(once->start);
    j["end"] = once->end ? Json(common::formatRfc3339Millis(*once->end)) : Json(nullptr);
  } else {
    const auto& rec = std::get<RecurringWindow>(window.when);
    j["kind"] = "recurring";
    j["cron"] = rec.cron.text();
    j["duration_seconds"] = rec.duration.count();
    j["timezone"] = rec.zone->name();
  }
  j["ended_at"] =
      window.endedAt ? Json(common::formatRfc3339Millis(*window.endedAt)) : Json(nullptr);
  j["ended_occurrence"] = window.endedOccurrence
                              ? Json(common::formatRfc3339Millis(*window.endedOccurrence))
                              : Json(nullptr);
  return j;
}

common::Expected<MaintenanceWindow, std::string> windowFromJson(const Json& j,
                                                                std::string_view zoneinfoDir) {
  if (!j.is_object())
    return common::unexpected(std::string("maintenance window: not a JSON object"));
  WindowTarget target;
  if (auto t = j.find("target"); t != j.end() && t->is_object()) {
    auto all = t->find("all");
    target.all = all != t->end() && all->is_boolean() && all->get<bool>();
    target.servers = stringList(*t, "servers");
    target.tags = stringList(*t, "tags");
  }
  const auto source =
      stringField(j, "source") == "runtime" ? WindowSource::Runtime : WindowSource::Config;
  const std::string kind = stringField(j, "kind");
  common::Expected<MaintenanceWindow, std::string> window =
      common::unexpected(std::string("kind: must be one_off or recurring"));
  if (kind == "one_off") {
    auto start = timeField(j, "start");
    if (!start)
      return common::unexpected(std::string("start: missing or not an RFC 3339 time"));
    window = makeOneOffWindow(stringField(j, "id"), std::move(target), *start, timeField(j, "end"),
                              source);
  } else if (kind == "recurring") {
    auto d = j.find("duration_seconds");
    if (d == j.end() || !d->is_number_integer())
      return common::unexpected(std::string("duration_seconds: missing or not an integer"));
    window = makeRecurringWindow(stringField(j, "id"), std::move(target), stringField(j, "cron"),
                                 std::chrono::seconds(d->get<long long>()),
                                 stringField(j, "timezone"), source, zoneinfoDir);
  }
  if (!window)
    return window;
  window->comment = stringField(j, "comment");
  window->endedAt = timeField(j, "ended_at");
  window->endedOccurrence = timeField(j, "ended_occurrence");
  return window;
}

Json MaintenanceCalendar::runtimeToJson() const {
  Json windows = Json::array();
  Json ended = Json::array();
  for (const auto& w : windows_) {
    if (w.source == WindowSource::Runtime)
      windows.push_back(toJson(w));
    else if (w.endedAt && w.endedOccurrence)
      ended.push_back({{"id", w.id},
                       {"ended_at", common::formatRfc3339Millis(*w.endedAt)},
                       {"ended_occurrence", common::formatRfc3339Millis(*w.endedOccurrence)}});
  }
  return {{"version", 1}, {"windows", std::move(windows)}, {"ended", std::move(ended)}};
}

std::vector<std::string> MaintenanceCalendar::loadRuntime(const Json& json,
                                                          std::string_view zoneinfoDir) {
  std::vector<std::string> problems;
  if (!json.is_object())
    return {"maintenance state: not a JSON object"};
  if (auto list = json.find("windows"); list != json.end() && list->is_array()) {
    for (const auto& item : *list) {
      auto window = windowFromJson(item, zoneinfoDir);
      if (!window) {
        problems.push_back("maintenance window skipped: " + window.error());
        continue;
      }
      window->source = WindowSource::Runtime;
      if (auto error = add(std::move(*window)))
        problems.push_back(*error);
    }
  }
  // Early ends of config windows: applied to the config windows already set.
  if (auto list = json.find("ended"); list != json.end() && list->is_array()) {
    for (const auto& item : *list) {
      if (!item.is_object())
        continue;
      const std::string id = stringField(item, "id");
      auto it = std::find_if(windows_.begin(), windows_.end(), [&](const auto& w) {
        return w.id == id && w.source == WindowSource::Config;
      });
      auto at = timeField(item, "ended_at");
      auto occurrence = timeField(item, "ended_occurrence");
      if (it != windows_.end() && at && occurrence) {
        it->endedAt = at;
        it->endedOccurrence = occurrence;
      }
    }
  }
  return problems;
}

} // namespace mcpwatch::detector
