// What the sink tests share beyond the outbox harness and the fakes: an event body as the
// renderers see it.
#pragma once

#include "channels/event_view.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::channels {

// Parses a section 7 body the way every sink does (fails the test when it does not parse).
inline EventView view(const common::Json& body) {
  auto e = parseEvent(body.dump());
  EXPECT_TRUE(e) << e.error();
  return e ? *e : EventView{};
}

} // namespace mcpwatch::channels
