// The registry of sink types (DESIGN.md section 2): the one place a new sink type is added, one
// line each (its builder and its settings snapshot, from the sink's own files).
#pragma once

#include "alerting/sink.hpp"

namespace mcpwatch::app {

alerting::SinkFactory sinkFactory();

} // namespace mcpwatch::app
