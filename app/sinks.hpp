// The registry of sink types (DESIGN.md section 2): the one place a new sink type is added, one
// line each. A sink type's folder brings its config (settings and parser: config::SinkType) and
// its kind (builder and outbox snapshot: alerting::SinkKind).
#pragma once

#include "alerting/sink.hpp"
#include "config/sink_type.hpp"

namespace mcpwatch::app {

// What `sinks:` may use, in the order check-config names them.
const config::SinkTypes& sinkTypes();
// Sink type name -> how to build it and store its settings.
alerting::SinkFactory sinkFactory();

} // namespace mcpwatch::app
