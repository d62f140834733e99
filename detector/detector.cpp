// The per-server state machine. Every rule of DESIGN.md section 6 is decided here, nowhere else.
#include "detector/detector.hpp"

#include "common/crypto.hpp"
#include "common/time.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <utility>

namespace mcpwatch::detector {
namespace {

constexpr std::string_view kFlappingReason = "flapping";
constexpr std::string_view kSchemaDriftReason = "schema_drift";
constexpr std::size_t kMinHistory = 2;

} // namespace

std::string_view toString(Transition transition) {
  switch (transition) {
  case Transition::Unchanged:
    return "unchanged";
  case Transition::ChangePending:
    return "change_pending";
  case Transition::Changed:
    return "changed";
  }
  return "unchanged";
}

IdGenerator randomIdGenerator() {
  return [](std::string_view prefix) { return std::string(prefix) + common::randomHex(12); };
}

Detector::Detector(DetectorSettings settings, IdGenerator ids, ServerState state)
    : settings_(std::move(settings)), ids_(std::move(ids)), state_(std::move(state)) {
  // An empty generator would throw on the first incident; fall back to the production one.
  if (!ids_)
    ids_ = randomIdGenerator();
}

void Detector::setSettings(DetectorSettings settings) {
  settings_ = std::move(settings);
}

int Detector::failureThreshold() const {
  return std::max(1, settings_.failureThreshold);
}

int Detector::successThreshold() const {
  return std::max(1, settings_.successThreshold);
}

Outcome Detector::record(const CheckOutcome& check, bool inMaintenance, const std::string& heldBy) {
  const HealthState settledBefore = state_.settled;
  std::vector<Event> events;
  state_.inMaintenance = inMaintenance;
  state_.lastCheckAt = check.at;
  std::optional<ProtocolChange> protocolChange;
  if (check.ok && check.transport) {
    if (state_.transport && *state_.transport != *check.transport)
      protocolChange = ProtocolChange{*state_.transport, *check.transport, state_.protocolVersion,
                                      check.protocolVersion};
    state_.transport = check.transport;
  }
  if (check.protocolVersion)
    state_.protocolVersion = check.protocolVersion;
  if (protocolChange) {
    Event event = baseEvent(EventType::ProtocolChanged, check.at);
    event.detail = describeProtocolChange(*protocolChange);
    event.protocol = toProtocolSwitch(*protocolChange);
    events.push_back(std::move(event));
  }

  // Drift first: under `fail` it turns an ok probe into a failed check, and its event precedes
  // any trigger it causes.
  const Effective result = applyDrift(check, events);
  state_.lastOk = result.ok;
  if (result.ok) {
    ++state_.consecutiveSuccesses;
    state_.consecutiveFailures = 0;
    state_.failingSince.reset();
    if (check.responseTimeMs)
      state_.lastResponseTimeMs = check.responseTimeMs;
  } else {
    if (state_.consecutiveFailures == 0)
      state_.failingSince = check.at;
    ++state_.consecutiveFailures;
    state_.consecutiveSuccesses = 0;
    state_.recentFailures.push_back({check.at, result.reason, result.detail});
    if (state_.recentFailures.size() > kRecentFailures)
      state_.recentFailures.erase(state_.recentFailures.begin(),
                                  state_.recentFailures.end() - kRecentFailures);
  }

  updateFlapping(result.ok);

  if (!state_.incident) {
    if (state_.flapping) {
      openIncident(check.at, std::string(kFlappingReason),
                   fmt::format("state changed in {:.0f}% of the last {} checks",
                               state_.percentStateChange, state_.history.size()),
                   state_.failingSince.value_or(check.at));
    } else if (state_.consecutiveFailures >= failureThreshold()) {
      openIncident(check.at, result.reason, result.detail, state_.failingSince.value_or(check.at));
    }
  } else if (!state_.flapping && result.ok && state_.consecutiveSuccesses >= successThreshold()) {
    closeIncident(check.at, events, {});
  }

  // An incident opened while held by something other than maintenance remembers why.
  if (state_.incident && !state_.incident->triggerSent && !inMaintenance && !heldBy.empty() &&
      state_.incident->heldBy.empty())
    state_.incident->heldBy = heldBy;
  if (!inMaintenance && heldBy.empty())
    releaseHeldTrigger(check.at, events);
  Outcome outcome = finish(settledBefore, std::move(events));
  outcome.protocolChange = std::move(protocolChange);
  return outcome;
}

Outcome Detector::evaluate(common::WallTime now, bool inMaintenance, const std::string& heldBy) {
  const HealthState settledBefore = state_.settled;
  std::vector<Event> events;
  state_.inMaintenance = inMaintenance;
  if (!inMaintenance && heldBy.empty())
    releaseHeldTrigger(now, events);
  return finish(settledBefore, std::move(events));
}

bool Detector::acceptBaseline(std::optional<ToolsSnapshot> snapshot) {
  auto& schema = state_.schema;
  if (!snapshot)
    snapshot = schema.latest;
  if (!snapshot)
    return false;
  schema.baseline = std::move(*snapshot);
  schema.notifiedFingerprint.reset();
  return true;
}

void Detector::setPinned(bool pinned) {
  state_.schema.pinned = pinned;
}

Outcome Detector::resolveForRemoval(common::WallTime now) {
  const HealthState settledBefore = state_.settled;
  std::vector<Event> events;
  if (state_.incident)
    closeIncident(now, events, "server removed from the configuration");
  return finish(settledBefore, std::move(events));
}

Detector::Effective Detector::applyDrift(const CheckOutcome& check, std::vector<Event>& events) {
  Effective result{check.ok, check.failureReason, check.failureDetail};
  if (!check.ok) {
    // The reason is a stable string users filter on; never leave it empty.
    if (result.reason.empty())
      result.reason = "unknown";
    return result;
  }
  if (!check.tools)
    return result;

  auto& schema = state_.schema;
  schema.latest = *check.tools;
  if (!schema.baseline) {
    // The first schema ever seen is the reference; announcing it would be noise.
    schema.baseline = *check.tools;
    return result;
  }
  if (schema.baseline->fingerprint == check.tools->fingerprint) {
    schema.notifiedFingerprint.reset();
    return result;
  }
  if (check.formerFingerprint && *check.formerFingerprint == schema.baseline->fingerprint) {
    // The same tools, fingerprinted the way an earlier mcpwatch did: carry the baseline over
    // (pinned stays pinned) instead of announcing a change that did not happen.
    schema.baseline = *check.tools;
    schema.notifiedFingerprint.reset();
    return result;
  }
  if (settings_.drift == DriftPolicy::Ignore)
    return result;

  const ToolsDiff diff = diffTools(*schema.baseline, *check.tools);
  if (schema.notifiedFingerprint != check.tools->fingerprint) {
    Event event = baseEvent(EventType::SchemaDrifted, check.at);
    event.detail = describeDiff(diff);
    event.schema = alerting::SchemaDrift{schema.baseline->fingerprint, check.tools->fingerprint,
                                         diff.added, diff.removed, diff.changed};
    events.push_back(std::move(event));
    schema.notifiedFingerprint = check.tools->fingerprint;
  }
  if (settings_.drift == DriftPolicy::Warn) {
    if (!schema.pinned) {
      schema.baseline = *check.tools;
      schema.notifiedFingerprint.reset();
    }
    return result;
  }
  result.ok = false;
  result.reason = std::string(kSchemaDriftReason);
  result.detail = describeDiff(diff) + " since the accepted baseline";
  return result;
}

void Detector::updateFlapping(bool ok) {
  const auto& flap = settings_.flapping;
  const std::size_t keep = std::max(flap.window, kMinHistory);
  state_.history.push_back(ok);
  while (state_.history.size() > keep)
    state_.history.pop_front();
  if (!flap.enabled) {
    state_.flapping = false;
    state_.percentStateChange = 0;
    return;
  }
  state_.percentStateChange = percentStateChange(state_.history, flap.window);
  if (!state_.flapping && state_.percentStateChange >= flap.highThreshold)
    state_.flapping = true;
  else if (state_.flapping && state_.percentStateChange < flap.lowThreshold)
    state_.flapping = false;
}

void Detector::openIncident(common::WallTime at, std::string reason, std::string detail,
                            common::WallTime downSince) {
  Incident incident;
  incident.id = ids_("inc_");
  incident.openedAt = at;
  incident.downSince = downSince;
  incident.reason = std::move(reason);
  incident.detail = std::move(detail);
  incident.triggerSent = false; // releaseHeldTrigger() decides, maintenance permitting
  state_.incident = std::move(incident);
  openedNow_ = true; // finish() reports it as it stands then
}

void Detector::closeIncident(common::WallTime at, std::vector<Event>& events, std::string note) {
  const Incident incident = std::move(*state_.incident);
  state_.incident.reset();
  change_.closed = IncidentChange::Closed{incident.id, note};
  // Resolves are never held back, but one for a trigger nobody received would be noise.
  if (!incident.triggerSent)
    return;
  Event event = baseEvent(EventType::Resolved, at);
  event.incidentId = incident.id;
  event.reason = incident.reason;
  event.detail = incident.detail;
  event.downSince = common::formatRfc3339(incident.downSince);
  event.durationSeconds = std::chrono::floor<common::Seconds>(at - incident.downSince).count();
  event.responseTimeMs = state_.lastResponseTimeMs;
  event.note = std::move(note);
  events.push_back(std::move(event));
}

void Detector::releaseHeldTrigger(common::WallTime at, std::vector<Event>& events) {
  if (!state_.incident || state_.incident->triggerSent)
    return;
  // Held through maintenance and now recovering (successes below the threshold): page only if
  // it fails again, not for a server that is coming back.
  if (state_.lastOk == true && !state_.flapping)
    return;
  Incident& incident = *state_.incident;
  Event event = baseEvent(EventType::Triggered, at);
  event.incidentId = incident.id;
  event.reason = incident.reason;
  event.detail = incident.detail;
  event.downSince = common::formatRfc3339(incident.downSince);
  if (incident.openedAt < at)
    event.note = (incident.heldBy.empty() ? std::string("held back by maintenance")
                                          : "held back " + incident.heldBy) +
                 " since " + common::formatRfc3339(incident.openedAt);
  incident.triggerSent = true;
  if (!openedNow_)
    change_.released = incident.id;
  events.push_back(std::move(event));
}

Event Detector::baseEvent(EventType type, common::WallTime at) const {
  Event event;
  event.id = ids_("evt_");
  event.type = type;
  event.occurredAt = common::formatRfc3339(at);
  event.consecutiveFailures = state_.consecutiveFailures;
  for (const auto& failure : state_.recentFailures)
    event.recentFailures.push_back(toRecentFailure(failure));
  event.protocolVersion = state_.protocolVersion.value_or("");
  return event;
}

HealthState Detector::displayState() const {
  if (state_.incident)
    return state_.flapping ? HealthState::Flapping : HealthState::Down;
  if (state_.consecutiveFailures > 0)
    return HealthState::Failing;
  return state_.settled;
}

Outcome Detector::finish(HealthState settledBefore, std::vector<Event> events) {
  if (state_.incident)
    state_.settled = state_.flapping ? HealthState::Flapping : HealthState::Down;
  else if (state_.lastOk == true)
    state_.settled = HealthState::Up;
  else if (state_.settled == HealthState::Down || state_.settled == HealthState::Flapping)
    state_.settled = HealthState::Unknown; // closed by removal while still failing
  state_.status = displayState();

  Outcome outcome;
  outcome.state = state_.status;
  outcome.events = std::move(events);
  if (openedNow_ && state_.incident)
    change_.opened = *state_.incident;
  outcome.incident = std::exchange(change_, {});
  openedNow_ = false;
  if (state_.settled != settledBefore)
    outcome.transition = Transition::Changed;
  else if (state_.status != state_.settled || (state_.incident && state_.consecutiveSuccesses > 0))
    outcome.transition = Transition::ChangePending;
  return outcome;
}

} // namespace mcpwatch::detector
