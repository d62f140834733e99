#include "durable/mirror.hpp"

#include "durable/baseline.hpp"
#include "durable/writes.hpp"

namespace mcpwatch::durable {

CommitPlan planCommit(const std::string& slug, const detector::Outcome& outcome,
                      const detector::ServerState& state, int successThreshold, StoreMirror& mirror,
                      common::WallTime now, common::MonoTime mono) {
  CommitPlan plan;
  const auto& schema = state.schema;
  plan.ops =
      outcomeWrites(slug, outcome, now, schema.latest ? schema.latest->fingerprint : std::string());
  if (schema.baseline) {
    const auto& fp = schema.baseline->fingerprint;
    if (!mirror.baselineKnown || mirror.baseline != fp || mirror.pinned != schema.pinned) {
      plan.ops.push_back(
          store::BaselineRecord{slug, fp, toolsJson(*schema.baseline), now, schema.pinned});
      mirror.baselineKnown = true;
      mirror.baseline = fp;
      mirror.pinned = schema.pinned;
    }
  }
  plan.durable = !plan.ops.empty() || !outcome.events.empty();
  // A steady server's state changes only in its last check time and latency, which the check
  // rows hold: it is written when something that matters changed, or every kStateRefresh.
  const auto signature = detector::durableSignature(state, successThreshold);
  const bool unchanged =
      signature == mirror.signature && mirror.stateAt && mono - *mirror.stateAt < kStateRefresh;
  if (plan.durable || !unchanged) {
    plan.state.emplace(store::ServerStateRecord{slug, detector::toJson(state).dump(), now});
    mirror.signature = signature;
    mirror.stateAt = mono;
  }
  return plan;
}

} // namespace mcpwatch::durable
