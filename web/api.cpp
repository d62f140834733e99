// JSON API bodies and the admin maintenance request parser.
#include "web/api.hpp"

#include "common/duration.hpp"
#include "common/strings.hpp"
#include "common/time.hpp"
#include "web/html.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace mcpwatch::web {
namespace {

using common::Json;

Json optTime(const std::optional<common::WallTime>& t) {
  return t ? Json(common::formatRfc3339(*t)) : Json(nullptr);
}
template <class T> Json opt(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}
Json optDouble(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? Json(std::round(*v * 1000) / 1000) : Json(nullptr);
}

Json stringList(const Json& j) {
  Json out = Json::array();
  if (j.is_array())
    for (const auto& item : j)
      if (item.is_string())
        out.push_back(item);
  return out;
}

constexpr std::size_t kMaxSelectors = 1000;

} // namespace

std::string dumpJson(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json uptimeJson(const ServerSummary& s) {
  return {{"24h", optDouble(s.uptime24h)},
          {"7d", optDouble(s.uptime7d)},
          {"30d", optDouble(s.uptime30d)},
          {"90d", optDouble(s.uptime90d)}};
}

Json serverJson(const ServerSummary& s, bool admin, common::WallTime now) {
  const auto& v = s.view;
  Json j = {{"slug", v.slug},
            {"name", v.name},
            {"tags", v.tags},
            {"state", displayState(v)},
            {"health", detector::toString(v.state.status)},
            {"in_maintenance", v.inMaintenance},
            {"paused", v.paused},
            {"uptime", uptimeJson(s)},
            {"latency_ms", optDouble(v.state.lastResponseTimeMs)},
            {"last_check_at", optTime(v.state.lastCheckAt)},
            {"protocol_version", opt(v.state.protocolVersion)},
            {"server_info", {{"name", opt(v.serverName)}, {"version", opt(v.serverVersion)}}},
            {"tool_count", opt(v.toolCount)}};
  if (v.tlsNotAfter) {
    auto left = std::chrono::duration_cast<std::chrono::hours>(*v.tlsNotAfter - now).count() / 24;
    j["tls"] = {{"not_after", common::formatRfc3339(*v.tlsNotAfter)}, {"days_left", left}};
  } else {
    j["tls"] = nullptr;
  }
  if (v.state.incident) {
    const auto& i = *v.state.incident;
    j["open_incident"] = {{"id", i.id},
                          {"opened_at", common::formatRfc3339(i.openedAt)},
                          {"down_since", common::formatRfc3339(i.downSince)},
                          {"reason", i.reason},
                          {"detail", admin ? i.detail : publicDetail(i.detail)}};
  } else {
    j["open_incident"] = nullptr;
  }
  if (admin) {
    j["url"] = v.url;
    j["public"] = v.isPublic;
    j["maintenance_windows"] = v.maintenanceIds;
    j["description"] = v.description.empty() ? Json() : Json(v.description);
    j["owner"] = v.owner.empty() ? Json() : Json(v.owner);
    j["runbook_url"] = v.runbookUrl.empty() ? Json() : Json(v.runbookUrl);
    Json links = Json::array();
    for (const auto& link : v.links)
      links.push_back({{"name", link.name}, {"url", link.url}});
    j["links"] = std::move(links);
  }
  return j;
}

Json detailJson(const Detail& d, bool admin) {
  Json j = serverJson(d.summary, admin, d.generatedAt);
  Json failures = Json::array();
  for (const auto& f : d.summary.view.state.recentFailures)
    failures.push_back({{"at", common::formatRfc3339(f.at)},
                        {"reason", f.reason},
                        {"detail", admin ? f.detail : publicDetail(f.detail)}});
  j["recent_failures"] = std::move(failures);
  Json days = Json::array();
  for (const auto& c : d.summary.days)
    days.push_back({{"day", formatDay(c.day)},
                    {"checks", c.checks},
                    {"ok", c.ok},
                    {"incidents", c.incidents},
                    {"down_seconds", c.downSeconds},
                    {"severity", c.severity},
                    {"top_reason", c.worstReason.empty() ? Json(nullptr) : Json(c.worstReason)}});
  j["daily"] = std::move(days);
  Json incidents = Json::array();
  for (const auto& i : d.incidents)
    incidents.push_back(incidentJson(i, d.generatedAt, admin));
  j["incidents"] = std::move(incidents);
  Json changes = Json::array();
  for (const auto& c : d.schemaChanges) {
    auto diff = common::parseJson(c.diffJson).value_or(Json::object());
    Json change = {
        {"at", common::formatRfc3339(c.at)},
        {"old_fingerprint", c.oldFingerprint},
        {"new_fingerprint", c.newFingerprint},
        {"added", stringList(diff.is_object() ? diff.value("added", Json()) : Json())},
        {"removed", stringList(diff.is_object() ? diff.value("removed", Json()) : Json())},
        {"changed", stringList(diff.is_object() ? diff.value("changed", Json()) : Json())}};
    // An era or transport change: {"from": {transport, protocol_version}, "to": {...}}.
    if (diff.is_object() && diff.contains("protocol") && diff["protocol"].is_object())
      change["protocol"] = diff["protocol"];
    changes.push_back(std::move(change));
  }
  j["schema_changes"] = std::move(changes);
  return j;
}

std::string publicDetail(std::string_view detail) {
  // Our own detail texts say "HTTP 503" (prober/classify.cpp); a server's body comes after it.
  for (std::size_t at = detail.find("HTTP "); at != std::string_view::npos;
       at = detail.find("HTTP ", at + 1)) {
    const bool wordStart = at == 0 || !std::isalnum(static_cast<unsigned char>(detail[at - 1]));
    auto digits = detail.substr(at + 5, 3);
    const bool status = digits.size() == 3 && std::all_of(digits.begin(), digits.end(), [](char c) {
                          return c >= '0' && c <= '9';
                        });
    const bool wordEnd =
        at + 8 >= detail.size() || !std::isalnum(static_cast<unsigned char>(detail[at + 8]));
    if (wordStart && status && wordEnd && digits[0] >= '1' && digits[0] <= '5')
      return "HTTP " + std::string(digits);
  }
  return {};
}

Json checkJson(const store::CheckRecord& c, bool admin) {
  Json failure = nullptr;
  if (!c.ok)
    failure = {{"reason", c.reason},
               {"detail", admin ? c.detail : publicDetail(c.detail)},
               {"http_status", opt(c.httpStatus)},
               {"jsonrpc_code", opt(c.jsonrpcCode)}};
  return {{"at", common::formatRfc3339Millis(c.at)},
          {"ok", c.ok},
          {"failure", std::move(failure)},
          {"protocol_version", opt(c.protocolVersion)},
          {"era", opt(c.era)},
          {"transport", opt(c.transport)},
          {"tool_count", opt(c.toolCount)},
          {"fingerprint", opt(c.fingerprint)},
          {"timings_ms",
           {{"dns", optDouble(c.dnsMs)},
            {"connect", optDouble(c.connectMs)},
            {"tls", optDouble(c.tlsMs)},
            {"handshake", optDouble(c.handshakeMs)},
            {"tools_list", optDouble(c.toolsListMs)},
            {"total", optDouble(c.totalMs)}}}};
}

Json incidentJson(const store::IncidentRecord& i, common::WallTime now, bool admin) {
  auto end = i.closedAt.value_or(now);
  return {{"id", i.id},
          {"server", i.slug},
          {"state", i.closedAt ? "closed" : "open"},
          {"opened_at", common::formatRfc3339(i.openedAt)},
          {"closed_at", optTime(i.closedAt)},
          {"duration_seconds",
           std::max<long long>(
               0, std::chrono::duration_cast<std::chrono::seconds>(end - i.openedAt).count())},
          {"reason", i.reason},
          {"detail", admin ? i.detail : publicDetail(i.detail)},
          // True only when the trigger was released (not held by maintenance) and routed to at
          // least one sink: an incident of a server no route covers paged nobody.
          {"trigger_sent", i.triggerSent && i.triggerSinks > 0},
          {"resolve_note", i.resolveNote.empty() ? Json(nullptr) : Json(i.resolveNote)},
          {"title", i.title.empty() ? Json(nullptr) : Json(i.title)}};
}

Json noteJson(const store::IncidentNote& n, bool admin) {
  Json j = {
      {"id", n.id}, {"at", common::formatRfc3339(n.at)}, {"text", n.text}, {"public", n.isPublic}};
  if (admin)
    j["author"] = n.author;
  return j;
}

Json incidentDetailJson(const store::IncidentRecord& incident,
                        const std::vector<store::IncidentNote>& notes, common::WallTime now,
                        bool admin) {
  Json j = incidentJson(incident, now, admin);
  Json list = Json::array();
  for (const auto& n : notes)
    if (admin || n.isPublic)
      list.push_back(noteJson(n, admin));
  j["notes"] = std::move(list);
  return j;
}

namespace {

// A JSON object body whose keys are all in `allowed`.
Result<Json> objectBody(std::string_view body, std::initializer_list<std::string_view> allowed) {
  auto parsed = common::parseJson(body, nullptr, 4);
  if (!parsed || !parsed->is_object())
    return common::unexpected(std::string("body: expected a JSON object"));
  for (auto it = parsed->begin(); it != parsed->end(); ++it)
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end())
      return common::unexpected("unknown key: " + sanitizeUtf8(common::truncateUtf8(it.key(), 64)));
  return std::move(*parsed);
}

// Valid UTF-8 without control characters other than newline and tab (what a page can show).
bool displayableText(std::string_view text) {
  if (sanitizeUtf8(text) != text)
    return false;
  return std::none_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\n' && c != '\t') || u == 0x7f;
  });
}

} // namespace

Result<std::string> parseIncidentTitle(std::string_view body) {
  auto j = objectBody(body, {"title"});
  if (!j)
    return common::unexpected(j.error());
  if (!j->contains("title"))
    return common::unexpected(std::string("title: required (\"\" or null clears it)"));
  const Json& t = (*j)["title"];
  if (t.is_null())
    return std::string();
  if (!t.is_string())
    return common::unexpected(std::string("title: expected a string"));
  std::string title(common::trim(t.get<std::string>()));
  if (title.size() > 200)
    return common::unexpected(std::string("title: at most 200 bytes"));
  if (!displayableText(title) || title.find('\n') != std::string::npos)
    return common::unexpected(std::string("title: expected one line of UTF-8 text"));
  return title;
}

Result<NoteRequest> parseNoteRequest(std::string_view body) {
  auto j = objectBody(body, {"text", "public"});
  if (!j)
    return common::unexpected(j.error());
  NoteRequest r;
  if (!j->contains("text") || !(*j)["text"].is_string())
    return common::unexpected(std::string("text: required, a string"));
  r.text = std::string(common::trim((*j)["text"].get<std::string>()));
  for (auto at = r.text.find("\r\n"); at != std::string::npos; at = r.text.find("\r\n", at))
    r.text.erase(at, 1); // CRLF line breaks (form posts, Windows clients) become LF
  if (r.text.empty())
    return common::unexpected(std::string("text: must not be empty"));
  if (r.text.size() > 4000)
    return common::unexpected(std::string("text: at most 4000 bytes"));
  if (!displayableText(r.text))
    return common::unexpected(std::string("text: expected UTF-8 text without control characters"));
  if (j->contains("public")) {
    if (!(*j)["public"].is_boolean())
      return common::unexpected(std::string("public: expected true or false"));
    r.isPublic = (*j)["public"].get<bool>();
  }
  return r;
}

Json maintenanceJson(const store::MaintenanceRecord& r, common::WallTime now) {
  auto selector = common::parseJson(r.selectorJson).value_or(Json::object());
  Json servers = stringList(selector.is_object() ? selector.value("servers", Json()) : Json());
  Json tags = stringList(selector.is_object() ? selector.value("tags", Json()) : Json());
  return {{"id", r.id},
          {"all", servers.empty() && tags.empty()},
          {"servers", servers},
          {"tags", tags},
          {"start", common::formatRfc3339(r.start)},
          {"end", common::formatRfc3339(r.end)},
          {"active", r.start <= now && now < r.end},
          {"ended_early", r.endedEarly},
          {"created_by", r.createdBy},
          {"comment",
           selector.is_object() && selector.contains("comment") && selector["comment"].is_string()
               ? selector["comment"]
               : Json("")}};
}

Result<MaintenanceRequest> parseMaintenanceRequest(std::string_view body, common::WallTime now) {
  common::JsonParseError perr;
  auto parsed = common::parseJson(body, &perr, 8);
  if (!parsed || !parsed->is_object())
    return common::unexpected(std::string("body: expected a JSON object"));
  const Json& j = *parsed;
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "servers" && it.key() != "tags" && it.key() != "all" &&
        it.key() != "duration" && it.key() != "start" && it.key() != "end" && it.key() != "comment")
      return common::unexpected("unknown key: " + sanitizeUtf8(common::truncateUtf8(it.key(), 64)));
  MaintenanceRequest r;
  auto readList = [&](const char* key,
                      std::vector<std::string>& out) -> std::optional<std::string> {
    if (!j.contains(key))
      return std::nullopt;
    if (!j[key].is_array() || j[key].size() > kMaxSelectors)
      return std::string(key) + ": expected an array of strings";
    for (const auto& item : j[key]) {
      if (!item.is_string() || item.get<std::string>().empty() ||
          item.get<std::string>().size() > 200)
        return std::string(key) + ": expected an array of non-empty strings";
      out.push_back(item.get<std::string>());
    }
    return std::nullopt;
  };
  if (auto err = readList("servers", r.target.servers))
    return common::unexpected(*err);
  if (auto err = readList("tags", r.target.tags))
    return common::unexpected(*err);
  if (j.contains("all")) {
    if (!j["all"].is_boolean())
      return common::unexpected(std::string("all: expected true or false"));
    r.target.all = j["all"].get<bool>();
  }
  if (r.target.all && (!r.target.servers.empty() || !r.target.tags.empty()))
    return common::unexpected(std::string("all: cannot be combined with servers or tags"));
  if (!r.target.all && r.target.servers.empty() && r.target.tags.empty())
    return common::unexpected(
        std::string("servers: name servers or tags, or set \"all\": true for every server"));
  if (j.contains("comment")) {
    if (!j["comment"].is_string() || j["comment"].get<std::string>().size() > 1000)
      return common::unexpected(std::string("comment: expected a string (at most 1000 bytes)"));
    r.comment = j["comment"].get<std::string>();
  }
  auto readTime = [&](const char* key) -> Result<std::optional<common::WallTime>> {
    if (!j.contains(key))
      return std::optional<common::WallTime>{};
    if (!j[key].is_string())
      return common::unexpected(std::string(key) + ": expected an RFC 3339 time");
    std::string problem;
    auto t = common::parseRfc3339(j[key].get<std::string>(), &problem);
    if (!t && !problem.empty())
      return common::unexpected(std::string(key) + ": " + problem);
    if (!t)
      return common::unexpected(std::string(key) + ": expected an RFC 3339 time");
    return std::optional<common::WallTime>(*t);
  };
  auto start = readTime("start");
  if (!start)
    return common::unexpected(start.error());
  auto end = readTime("end");
  if (!end)
    return common::unexpected(end.error());
  r.start = start->value_or(now);
  if (j.contains("duration")) {
    if (end->has_value())
      return common::unexpected(std::string("duration: give either duration or end, not both"));
    std::optional<std::chrono::milliseconds> d;
    if (j["duration"].is_string())
      d = common::parseDuration(j["duration"].get<std::string>());
    if (!d || d->count() <= 0)
      return common::unexpected(std::string("duration: expected a positive duration like 30m"));
    if (*d > std::chrono::hours(24 * 366))
      return common::unexpected(std::string("duration: at most 366d"));
    r.end = common::addSaturating(r.start, *d);
  } else if (end->has_value()) {
    r.end = **end;
  } else {
    return common::unexpected(std::string("duration: required (or end)"));
  }
  if (r.end <= r.start)
    return common::unexpected(std::string("end: must be after start"));
  if (r.end <= now)
    return common::unexpected(std::string("end: must be in the future"));
  return r;
}

store::MaintenanceRecord toRecord(const MaintenanceRequest& request, std::string id,
                                  std::string createdBy) {
  Json selector = {
      {"servers", request.target.all ? std::vector<std::string>{} : request.target.servers},
      {"tags", request.target.all ? std::vector<std::string>{} : request.target.tags}};
  if (!request.comment.empty())
    selector["comment"] = sanitizeUtf8(request.comment);
  store::MaintenanceRecord r;
  r.id = std::move(id);
  r.selectorJson = dumpJson(selector);
  r.start = request.start;
  r.end = request.end;
  r.createdBy = std::move(createdBy);
  return r;
}

} // namespace mcpwatch::web
