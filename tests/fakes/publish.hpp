// Commits an event's outbox rows the way the daemon does (Alerting::prepare, one commit,
// notifyCommitted), for tests that publish events without a daemon.
#pragma once

#include "alerting/alerting.hpp"
#include "store/store.hpp"

namespace mcpwatch::test {

inline store::WriteResult publishEvent(alerting::Alerting& alerting, store::Store& store,
                                       const alerting::Event& event) {
  auto ops = alerting.prepare(event);
  if (!ops)
    return common::unexpected(ops.error());
  if (!ops->empty()) {
    auto committed = store.commitNow(std::move(ops.value()));
    if (!committed)
      return common::unexpected("writing " + std::string(toString(event.type)) + " " + event.id +
                                " to the outbox: " + committed.error());
  }
  alerting.notifyCommitted();
  return std::monostate{};
}

} // namespace mcpwatch::test
