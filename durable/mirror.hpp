// What the store holds of one server, mirrored in memory, and the policy that decides from it what
// a detector outcome commits: which rows, whether the server's state is rewritten, and whether the
// group needs a durable commit (fsync) or may go with the batched check rows.
#pragma once

#include "common/clock.hpp"
#include "common/time.hpp"
#include "detector/detector.hpp"
#include "store/records.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mcpwatch::durable {

// How old the stored state of a steady server may get (its last check time and latency are the
// only things that move): a restart shows them at most this old until the server's next probe.
inline constexpr std::chrono::minutes kStateRefresh{5};

// The store's copy of one server as last written, so a probe never reads the store.
struct StoreMirror {
  // The stored schema baseline. Unknown until read once (at start-up, or on the first probe that
  // has a baseline); the caller fills it before planCommit when the state has a baseline.
  bool baselineKnown = false;
  std::string baseline; // fingerprint; empty when none is stored
  bool pinned = false;
  // detector::durableSignature of the state last written, and when (monotonic).
  std::uint64_t signature = 0;
  std::optional<common::MonoTime> stateAt;
};

struct CommitPlan {
  // The incident change, history entries and a changed baseline (durable::outcomeWrites +
  // baseline).
  std::vector<store::WriteOp> ops;
  // The server's state, when it is to be written: always when `durable`, otherwise only when it
  // changed in what matters or kStateRefresh has passed.
  std::optional<store::ServerStateRecord> state;
  // Rows or events to commit: one transaction with an fsync, with the state and the outbox rows.
  // When false, `state` (if any) may go with the batched check writes (losing it in a crash costs
  // a probe or two of counting again).
  bool durable = false;
};

// What `outcome` (already applied: `state` is the detector's state after it) commits. Updates
// `mirror` to what the plan writes. `now` is the wall time of the rows, `mono` the monotonic time
// of the refresh rule.
CommitPlan planCommit(const std::string& slug, const detector::Outcome& outcome,
                      const detector::ServerState& state, int successThreshold, StoreMirror& mirror,
                      common::WallTime now, common::MonoTime mono);

} // namespace mcpwatch::durable
