// The Discord sink (README "Alerts"; reference: alerting-contracts.md section 4).
#pragma once

#include "alerting/sink.hpp"

#include <memory>

namespace mcpwatch::channels {

std::unique_ptr<alerting::Sink> makeDiscordSink(const config::SinkConfig& sink,
                                                const alerting::SinkContext& context);

} // namespace mcpwatch::channels
