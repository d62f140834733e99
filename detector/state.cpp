// Detector state <-> JSON. Loading is forgiving: a missing field must never lose an incident.
#include "detector/state.hpp"

#include "common/time.hpp"

#include <algorithm>
#include <cstdint>

namespace mcpwatch::detector {
namespace {

using common::Json;

// Loaded history is capped: the live window is far smaller, and a hostile blob stays bounded.
constexpr std::size_t kMaxLoadedHistory = 1000;

Json timeOrNull(const std::optional<common::WallTime>& t) {
  return t ? Json(common::formatRfc3339Millis(*t)) : Json(nullptr);
}

const Json* field(const Json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::optional<std::string> getString(const Json& object, const char* key) {
  const Json* v = field(object, key);
  if (!v || !v->is_string())
    return std::nullopt;
  return v->get<std::string>();
}

std::optional<bool> getBool(const Json& object, const char* key) {
  const Json* v = field(object, key);
  if (!v || !v->is_boolean())
    return std::nullopt;
  return v->get<bool>();
}

std::optional<double> getNumber(const Json& object, const char* key) {
  const Json* v = field(object, key);
  if (!v || !v->is_number())
    return std::nullopt;
  return v->get<double>();
}

int getCount(const Json& object, const char* key) {
  const Json* v = field(object, key);
  if (!v || !v->is_number_integer())
    return 0;
  auto n = v->get<long long>();
  return n < 0 ? 0 : n > 1'000'000'000 ? 1'000'000'000 : static_cast<int>(n);
}

std::optional<common::WallTime> getTime(const Json& object, const char* key) {
  auto text = getString(object, key);
  if (!text)
    return std::nullopt;
  return common::parseRfc3339(*text);
}

HealthState getState(const Json& object, const char* key) {
  auto text = getString(object, key);
  if (!text)
    return HealthState::Unknown;
  return parseHealthState(*text).value_or(HealthState::Unknown);
}

Json snapshotToJson(const std::optional<ToolsSnapshot>& snapshot) {
  if (!snapshot)
    return nullptr;
  Json tools = Json::object();
  for (const auto& [name, hash] : snapshot->tools)
    tools[name] = hash;
  return {{"fingerprint", snapshot->fingerprint}, {"tools", std::move(tools)}};
}

std::optional<ToolsSnapshot> snapshotFromJson(const Json& object, const char* key) {
  const Json* v = field(object, key);
  if (!v || !v->is_object())
    return std::nullopt;
  auto fingerprint = getString(*v, "fingerprint");
  if (!fingerprint)
    return std::nullopt;
  ToolsSnapshot snapshot;
  snapshot.fingerprint = *fingerprint;
  if (const Json* tools = field(*v, "tools"); tools && tools->is_object())
    for (const auto& [name, hash] : tools->items())
      if (hash.is_string())
        snapshot.tools[name] = hash.get<std::string>();
  return snapshot;
}

} // namespace

std::string_view toString(HealthState state) {
  switch (state) {
  case HealthState::Unknown:
    return "unknown";
  case HealthState::Up:
    return "up";
  case HealthState::Failing:
    return "failing";
  case HealthState::Down:
    return "down";
  case HealthState::Flapping:
    return "flapping";
  }
  return "unknown";
}

std::optional<HealthState> parseHealthState(std::string_view text) {
  for (auto s : {HealthState::Unknown, HealthState::Up, HealthState::Failing, HealthState::Down,
                 HealthState::Flapping})
    if (toString(s) == text)
      return s;
  return std::nullopt;
}

Json toJson(const ServerState& state) {
  Json j = Json::object();
  j["version"] = kStateVersion;
  j["status"] = toString(state.status);
  j["settled"] = toString(state.settled);
  j["consecutive_failures"] = state.consecutiveFailures;
  j["consecutive_successes"] = state.consecutiveSuccesses;
  j["last_check_at"] = timeOrNull(state.lastCheckAt);
  j["last_ok"] = state.lastOk ? Json(*state.lastOk) : Json(nullptr);
  j["failing_since"] = timeOrNull(state.failingSince);
  j["last_response_time_ms"] =
      state.lastResponseTimeMs ? Json(*state.lastResponseTimeMs) : Json(nullptr);
  j["protocol_version"] = state.protocolVersion ? Json(*state.protocolVersion) : Json(nullptr);
  j["transport"] = state.transport ? Json(*state.transport) : Json(nullptr);
  j["flapping"] = state.flapping;
  j["percent_state_change"] = state.percentStateChange;
  std::string history;
  for (bool ok : state.history)
    history += ok ? 'u' : 'd';
  j["history"] = history;
  Json recent = Json::array();
  for (const auto& f : state.recentFailures)
    recent.push_back(
        {{"at", common::formatRfc3339Millis(f.at)}, {"reason", f.reason}, {"detail", f.detail}});
  j["recent_failures"] = std::move(recent);
  if (state.incident) {
    const auto& inc = *state.incident;
    j["incident"] = {{"id", inc.id},
                     {"opened_at", common::formatRfc3339Millis(inc.openedAt)},
                     {"down_since", common::formatRfc3339Millis(inc.downSince)},
                     {"reason", inc.reason},
                     {"detail", inc.detail},
                     {"trigger_sent", inc.triggerSent}};
    if (!inc.heldBy.empty())
      j["incident"]["held_by"] = inc.heldBy;
  } else {
    j["incident"] = nullptr;
  }
  j["in_maintenance"] = state.inMaintenance;
  j["schema"] = {{"baseline", snapshotToJson(state.schema.baseline)},
                 {"latest", snapshotToJson(state.schema.latest)},
                 {"pinned", state.schema.pinned},
                 {"notified_fingerprint", state.schema.notifiedFingerprint
                                              ? Json(*state.schema.notifiedFingerprint)
                                              : Json(nullptr)}};
  return j;
}

common::Expected<ServerState, std::string> stateFromJson(const Json& j) {
  if (!j.is_object())
    return common::unexpected(std::string("detector state: not a JSON object"));
  if (const Json* v = field(j, "version");
      v && v->is_number_integer() && v->get<long long>() > kStateVersion)
    return common::unexpected(
        std::string("detector state: version is newer than this build understands"));

  ServerState s;
  s.status = getState(j, "status");
  s.settled = getState(j, "settled");
  s.consecutiveFailures = getCount(j, "consecutive_failures");
  s.consecutiveSuccesses = getCount(j, "consecutive_successes");
  s.lastCheckAt = getTime(j, "last_check_at");
  s.lastOk = getBool(j, "last_ok");
  s.failingSince = getTime(j, "failing_since");
  s.lastResponseTimeMs = getNumber(j, "last_response_time_ms");
  s.protocolVersion = getString(j, "protocol_version");
  s.transport = getString(j, "transport");
  s.flapping = getBool(j, "flapping").value_or(false);
  s.percentStateChange = getNumber(j, "percent_state_change").value_or(0.0);
  if (auto history = getString(j, "history")) {
    std::string_view h = *history;
    if (h.size() > kMaxLoadedHistory)
      h.remove_prefix(h.size() - kMaxLoadedHistory);
    for (char c : h)
      if (c == 'u' || c == 'd')
        s.history.push_back(c == 'u');
  }
  if (const Json* recent = field(j, "recent_failures"); recent && recent->is_array()) {
    for (const auto& f : *recent) {
      if (!f.is_object())
        continue;
      auto at = getTime(f, "at");
      if (!at)
        continue;
      s.recentFailures.push_back(
          {*at, getString(f, "reason").value_or("unknown"), getString(f, "detail").value_or("")});
    }
    if (s.recentFailures.size() > kRecentFailures)
      s.recentFailures.erase(s.recentFailures.begin(), s.recentFailures.end() - kRecentFailures);
  }
  if (const Json* inc = field(j, "incident"); inc && inc->is_object()) {
    // Without an id nothing could ever be resolved; everything else has a safe default.
    if (auto id = getString(*inc, "id"); id && !id->empty()) {
      Incident incident;
      incident.id = *id;
      auto fallback = s.failingSince.value_or(s.lastCheckAt.value_or(common::WallTime{}));
      incident.openedAt = getTime(*inc, "opened_at").value_or(fallback);
      incident.downSince = getTime(*inc, "down_since").value_or(incident.openedAt);
      incident.reason = getString(*inc, "reason").value_or("unknown");
      incident.detail = getString(*inc, "detail").value_or("");
      // Assume sent when unknown: a duplicate resolve is harmless, a lost one leaves a page open.
      incident.triggerSent = getBool(*inc, "trigger_sent").value_or(true);
      incident.heldBy = getString(*inc, "held_by").value_or("");
      s.incident = std::move(incident);
    }
  }
  s.inMaintenance = getBool(j, "in_maintenance").value_or(false);
  if (const Json* schema = field(j, "schema"); schema && schema->is_object()) {
    s.schema.baseline = snapshotFromJson(*schema, "baseline");
    s.schema.latest = snapshotFromJson(*schema, "latest");
    s.schema.pinned = getBool(*schema, "pinned").value_or(false);
    s.schema.notifiedFingerprint = getString(*schema, "notified_fingerprint");
  }
  // Keep the restored state self-consistent whatever the blob said about status.
  if (s.incident)
    s.settled = s.flapping ? HealthState::Flapping : HealthState::Down;
  if (!s.incident && (s.settled == HealthState::Down || s.settled == HealthState::Flapping))
    s.settled = s.lastOk == true ? HealthState::Up : HealthState::Unknown;
  if (s.settled == HealthState::Failing)
    s.settled = HealthState::Unknown;
  if (s.incident)
    s.status = s.flapping ? HealthState::Flapping : HealthState::Down;
  else if (s.consecutiveFailures > 0)
    s.status = HealthState::Failing;
  else
    s.status = s.settled;
  return s;
}

namespace {

// FNV-1a over the fields, each followed by a separator so adjacent fields cannot run together.
class Signature {
public:
  void text(std::string_view text) {
    for (unsigned char c : text)
      mix(c);
    mix(0xff);
  }
  void number(std::int64_t value) {
    for (int i = 0; i < 8; ++i)
      mix(static_cast<unsigned char>(value >> (8 * i)));
    mix(0xfe);
  }
  void time(const std::optional<common::WallTime>& at) {
    number(at.has_value());
    if (at)
      number(at->time_since_epoch().count());
  }
  void optionalText(const std::optional<std::string>& value) {
    number(value.has_value());
    if (value)
      text(*value);
  }
  std::uint64_t value() const { return hash_; }

private:
  void mix(unsigned char c) {
    hash_ ^= c;
    hash_ *= 0x100000001b3ULL;
  }
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

} // namespace

ServerState stateSummary(const ServerState& st) {
  ServerState s;
  s.status = st.status;
  s.settled = st.settled;
  s.consecutiveFailures = st.consecutiveFailures;
  s.consecutiveSuccesses = st.consecutiveSuccesses;
  s.lastCheckAt = st.lastCheckAt;
  s.lastOk = st.lastOk;
  s.failingSince = st.failingSince;
  s.lastResponseTimeMs = st.lastResponseTimeMs;
  s.protocolVersion = st.protocolVersion;
  s.transport = st.transport;
  s.flapping = st.flapping;
  s.percentStateChange = st.percentStateChange;
  s.recentFailures = st.recentFailures;
  s.incident = st.incident;
  s.inMaintenance = st.inMaintenance;
  return s;
}

std::uint64_t durableSignature(const ServerState& state, int successThreshold) {
  Signature s;
  s.number(static_cast<std::int64_t>(state.status));
  s.number(static_cast<std::int64_t>(state.settled));
  s.number(state.consecutiveFailures);
  s.number(std::min(state.consecutiveSuccesses, std::max(1, successThreshold)));
  s.number(state.lastOk ? (*state.lastOk ? 1 : 0) : -1);
  s.time(state.failingSince);
  s.optionalText(state.protocolVersion);
  s.optionalText(state.transport);
  s.number(state.flapping ? 1 : 0);
  s.number(static_cast<std::int64_t>(state.percentStateChange * 1e6));
  s.number(static_cast<std::int64_t>(state.history.size()));
  std::int64_t bits = 0;
  int n = 0;
  for (bool ok : state.history) {
    bits = (bits << 1) | (ok ? 1 : 0);
    if (++n == 62) {
      s.number(bits);
      bits = 0;
      n = 0;
    }
  }
  s.number(bits);
  for (const auto& f : state.recentFailures) {
    s.number(static_cast<std::int64_t>(f.at.time_since_epoch().count()));
    s.text(f.reason);
    s.text(f.detail);
  }
  s.number(static_cast<std::int64_t>(state.incident.has_value()));
  if (state.incident) {
    s.text(state.incident->id);
    s.number(state.incident->triggerSent ? 1 : 0);
  }
  s.number(state.inMaintenance ? 1 : 0);
  s.optionalText(state.schema.baseline ? std::optional(state.schema.baseline->fingerprint)
                                       : std::nullopt);
  s.optionalText(state.schema.latest ? std::optional(state.schema.latest->fingerprint)
                                     : std::nullopt);
  s.number(state.schema.pinned ? 1 : 0);
  s.optionalText(state.schema.notifiedFingerprint);
  return s.value();
}

} // namespace mcpwatch::detector
