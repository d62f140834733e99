// What one detector outcome writes to the store: the incident it opened, closed or released, and
// the schema and protocol history entries of its events. The daemon commits these with the
// server's state and the events' outbox rows in one transaction.
#pragma once

#include "common/time.hpp"
#include "detector/detector.hpp"
#include "store/records.hpp"

#include <string>
#include <vector>

namespace mcpwatch::durable {

// `now` is when an incident closes; `latestFingerprint` the tools last seen (a protocol change
// records it on both sides: the tools are compared on their own).
std::vector<store::WriteOp> outcomeWrites(const std::string& slug, const detector::Outcome& outcome,
                                          common::WallTime now,
                                          const std::string& latestFingerprint);

} // namespace mcpwatch::durable
