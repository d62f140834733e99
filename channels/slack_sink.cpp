// The Slack sink: being written (issue 6); not registered in app/sinks.cpp until it is complete.
#include "channels/slack_sink.hpp"

namespace mcpwatch::channels {

std::unique_ptr<alerting::Sink> makeSlackSink(const config::SinkConfig&,
                                              const alerting::SinkContext&) {
  return nullptr;
}

} // namespace mcpwatch::channels
