// The detector's records in the event's words.
#include "detector/events.hpp"

#include "common/time.hpp"

namespace mcpwatch::detector {

alerting::RecentFailure toRecentFailure(const FailureRecord& failure) {
  return {common::formatRfc3339(failure.at), failure.reason, failure.detail};
}

alerting::ProtocolSwitch toProtocolSwitch(const ProtocolChange& change) {
  return {change.fromTransport, change.fromVersion.value_or(""), change.toTransport,
          change.toVersion.value_or("")};
}

std::string describeProtocolChange(const ProtocolChange& change) {
  auto side = [](const std::string& transport, const std::optional<std::string>& version) {
    return version ? transport + " " + *version : transport;
  };
  return side(change.fromTransport, change.fromVersion) + " -> " +
         side(change.toTransport, change.toVersion);
}

} // namespace mcpwatch::detector
