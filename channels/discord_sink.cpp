// The Discord sink: being written (issue 6); not registered in app/sinks.cpp until it is complete.
#include "channels/discord_sink.hpp"

namespace mcpwatch::channels {

std::unique_ptr<alerting::Sink> makeDiscordSink(const config::SinkConfig&,
                                                const alerting::SinkContext&) {
  return nullptr;
}

} // namespace mcpwatch::channels
