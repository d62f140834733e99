// The Email sink: being written (issue 6); not registered in app/sinks.cpp until it is complete.
#include "channels/email_sink.hpp"

namespace mcpwatch::channels {

std::unique_ptr<alerting::Sink> makeEmailSink(const config::SinkConfig&,
                                              const alerting::SinkContext&) {
  return nullptr;
}

} // namespace mcpwatch::channels
