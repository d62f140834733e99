// The per-server incident state machine: thresholds, flapping, maintenance hold-back and drift.
// Pure: no I/O, no timers; time arrives as arguments and ids come from an injected generator.
#pragma once

#include "common/clock.hpp"
#include "detector/drift.hpp"
#include "detector/events.hpp"
#include "detector/flapping.hpp"
#include "detector/state.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::detector {

struct DetectorSettings {
  int failureThreshold = 2; // consecutive failures that open an incident (values < 1 act as 1)
  int successThreshold = 1; // consecutive successes that close it (values < 1 act as 1)
  FlapSettings flapping;
  DriftPolicy drift = DriftPolicy::Warn;
};

// Envoy's HealthTransition: Changed when the settled state (unknown/up/down/flapping) moved,
// ChangePending when the result points the other way but the threshold is not reached yet.
enum class Transition { Unchanged, ChangePending, Changed };
std::string_view toString(Transition transition);

// One probe's result as the detector needs it (the daemon maps prober::ProbeResult to this).
struct CheckOutcome {
  common::WallTime at;
  bool ok = false;
  std::string failureReason; // DESIGN.md section 4 string; used when !ok
  std::string failureDetail;
  std::optional<double> responseTimeMs;
  std::optional<std::string> protocolVersion;
  // How the server answered, in the config's `transport` words: "modern", "streamable-http" (the
  // legacy Streamable HTTP era) or "sse" (HTTP+SSE). Unset when the probe did not get that far.
  std::optional<std::string> transport;
  // Set when the check listed tools; nullopt means "no schema information" (not "no tools").
  std::optional<ToolsSnapshot> tools;
  // The same tools' fingerprint as an earlier mcpwatch computed it, when that differs: a
  // baseline stored in that format is carried over without a false schema.drifted.
  std::optional<std::string> formerFingerprint;
};

// What happened to the server's incident in one detector call: at most one of opened and
// closed (an incident closes only while one is open and opens only while none is).
struct IncidentChange {
  // A new incident, as it stands after the call (its trigger sent, or held back).
  std::optional<Incident> opened;
  struct Closed {
    std::string id;
    std::string note; // why it closed when not by recovering ("server removed ...")
  };
  std::optional<Closed> closed;
  // The id of an incident opened by an earlier call whose held trigger went out in this one.
  std::optional<std::string> released;

  bool any() const { return opened || closed || released; }
};

struct Outcome {
  Transition transition = Transition::Unchanged;
  HealthState state = HealthState::Unknown;
  IncidentChange incident;
  std::vector<Event> events; // in the order they must be delivered
  // Also announced as a protocol.changed event: not tool drift, the tools are compared alone.
  std::optional<ProtocolChange> protocolChange;
};

// Returns a fresh id starting with `prefix` ("evt_" or "inc_").
using IdGenerator = std::function<std::string(std::string_view prefix)>;
// prefix + 24 random hex characters from the CSPRNG: the production generator.
IdGenerator randomIdGenerator();

class Detector {
public:
  // `ids` empty means randomIdGenerator().
  Detector(DetectorSettings settings, IdGenerator ids, ServerState state = {});

  // Feeds one check. `inMaintenance` is the OR of matching windows and the flag file at
  // `check.at`: the check still counts, new triggers are held back, resolves are not.
  // `heldBy`, when not empty, holds new triggers too for another reason (a dependency with an
  // open incident: "while dependency \"api\" was down"); the trigger, when it goes out later, says
  // so.
  Outcome record(const CheckOutcome& check, bool inMaintenance, const std::string& heldBy = {});

  // Re-evaluates without a probe (call at each maintenance boundary): when maintenance is over
  // and an incident opened during it is still open and its latest check failed (or it is
  // flapping), the held trigger goes out now. One already recovering stays held: it closes
  // silently on its next success or triggers on its next failure.
  Outcome evaluate(common::WallTime now, bool inMaintenance, const std::string& heldBy = {});

  // Makes `snapshot` (or, when nullopt, the latest schema seen) the accepted baseline and ends a
  // `fail`-policy drift; the next ok check then counts as a success. False when there is nothing
  // to accept.
  bool acceptBaseline(std::optional<ToolsSnapshot> snapshot = std::nullopt);
  // A pinned baseline changes only through acceptBaseline(), even under the `warn` policy.
  void setPinned(bool pinned);

  // The server left the config: closes an open incident (incident.closed), with a resolve saying
  // so when its trigger was sent. The state is left closed.
  Outcome resolveForRemoval(common::WallTime now);

  // Config reload: new thresholds apply from the next check; history is kept.
  void setSettings(DetectorSettings settings);

  const ServerState& state() const { return state_; }
  const DetectorSettings& settings() const { return settings_; }

private:
  struct Effective {
    bool ok;
    std::string reason;
    std::string detail;
  };

  Effective applyDrift(const CheckOutcome& check, std::vector<Event>& events);
  void updateFlapping(bool ok);
  void openIncident(common::WallTime at, std::string reason, std::string detail,
                    common::WallTime downSince);
  void closeIncident(common::WallTime at, std::vector<Event>& events, std::string note);
  void releaseHeldTrigger(common::WallTime at, std::vector<Event>& events);
  Event baseEvent(EventType type, common::WallTime at) const;
  HealthState displayState() const;
  Outcome finish(HealthState settledBefore, std::vector<Event> events);
  int failureThreshold() const;
  int successThreshold() const;

  DetectorSettings settings_;
  IdGenerator ids_;
  ServerState state_;
  IncidentChange change_; // of the call in progress; finish() hands it over
  bool openedNow_ = false;
};

} // namespace mcpwatch::detector
