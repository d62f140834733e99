// The explicit sink type -> builder map (DESIGN.md section 2): the one place new sinks are added.
#pragma once

#include "alerting/sink.hpp"

namespace mcpwatch::app {

alerting::SinkFactory sinkFactory();

} // namespace mcpwatch::app
