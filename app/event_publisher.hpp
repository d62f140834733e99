// Where detector events go. The daemon commits an event's writes (the alerting outbox rows) in
// the same transaction as the incident change that produced it, then announces the commit.
#pragma once

#include "alerting/event.hpp"
#include "store/records.hpp"

#include <vector>

namespace mcpwatch::app {

class EventPublisher {
public:
  virtual ~EventPublisher() = default;
  // The writes that deliver `event` (committed together with the detector state).
  virtual std::vector<store::WriteOp> prepare(const alerting::Event& event) = 0;
  // Called once those writes are committed, in the order events must go out.
  virtual void committed(const alerting::Event& event) = 0;
};

// Events to the log only (one structured "event" line each).
class LogEventPublisher final : public EventPublisher {
public:
  std::vector<store::WriteOp> prepare(const alerting::Event&) override { return {}; }
  void committed(const alerting::Event& event) override;
};

} // namespace mcpwatch::app
