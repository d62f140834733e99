// Test helpers: feed a detector a ledger of results and compare transitions and events per row.
#pragma once

#include "common/time.hpp"
#include "detector/detector.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace mcpwatch::detector::testing {

using namespace std::chrono_literals;

inline common::WallTime at(std::string_view rfc3339) {
  auto t = common::parseRfc3339(rfc3339);
  EXPECT_TRUE(t) << rfc3339;
  return t.value_or(common::WallTime{});
}

inline const common::WallTime kT0 = at("2026-11-24T02:00:00Z");

inline common::WallTime t(std::chrono::seconds offset) {
  return kT0 + offset;
}

// Deterministic ids: "inc_1", "evt_2", ... in call order.
struct CountingIds {
  std::shared_ptr<int> next = std::make_shared<int>(0);
  IdGenerator generator() const {
    auto counter = next;
    return [counter](std::string_view prefix) {
      return std::string(prefix) + std::to_string(++*counter);
    };
  }
};

inline CheckOutcome okAt(common::WallTime when, double ms = 42.0) {
  CheckOutcome c;
  c.at = when;
  c.ok = true;
  c.responseTimeMs = ms;
  c.protocolVersion = "2025-11-25";
  return c;
}

inline CheckOutcome failAt(common::WallTime when, std::string reason = "connect_refused",
                           std::string detail = "connection refused") {
  CheckOutcome c;
  c.at = when;
  c.ok = false;
  c.failureReason = std::move(reason);
  c.failureDetail = std::move(detail);
  return c;
}

// "alert.triggered,alert.resolved" (empty when nothing was emitted).
inline std::string eventTypes(const std::vector<Event>& events) {
  std::string out;
  for (const auto& e : events)
    out += (out.empty() ? "" : ",") + std::string(toString(e.type));
  return out;
}

enum class Result { Ok, Fail };

struct Row {
  int second; // seconds after kT0
  Result result;
  bool maintenance; // the daemon's "in maintenance" bool for this check
  HealthState state;
  Transition transition;
  std::string events;
};

// Runs every row and checks it; returns all emitted events in order for further assertions.
inline std::vector<Event> runLedger(Detector& detector, const std::vector<Row>& rows) {
  std::vector<Event> all;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    const auto when = t(std::chrono::seconds(row.second));
    auto outcome =
        detector.record(row.result == Result::Ok ? okAt(when) : failAt(when), row.maintenance);
    SCOPED_TRACE("row " + std::to_string(i) + " at +" + std::to_string(row.second) + "s");
    EXPECT_EQ(toString(outcome.state), toString(row.state));
    EXPECT_EQ(toString(outcome.transition), toString(row.transition));
    EXPECT_EQ(eventTypes(outcome.events), row.events);
    for (auto& e : outcome.events)
      all.push_back(std::move(e));
  }
  return all;
}

} // namespace mcpwatch::detector::testing
