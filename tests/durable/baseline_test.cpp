// A baseline's tool list between the detector's snapshot and the store's record.
#include "durable/baseline.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::durable {
namespace {

TEST(Baseline, ASnapshotSurvivesItsRecord) {
  detector::ToolsSnapshot snapshot;
  snapshot.fingerprint = "sha256:abc";
  snapshot.tools = {{"search", "sha256:1"}, {"create_issue", "sha256:2"}};
  store::BaselineRecord record;
  record.fingerprint = snapshot.fingerprint;
  record.toolsJson = toolsJson(snapshot);
  auto back = snapshotFromBaseline(record);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, snapshot);
}

TEST(Baseline, AnUnreadableToolListIsNoSnapshot) {
  store::BaselineRecord record;
  record.fingerprint = "sha256:abc";
  record.toolsJson = "[1, 2]";
  EXPECT_FALSE(snapshotFromBaseline(record));
  record.toolsJson = R"({"ok": "sha256:1", "odd": 5})";
  auto partial = snapshotFromBaseline(record);
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial->tools.size(), 1u) << "entries that are not strings are skipped";
}

} // namespace
} // namespace mcpwatch::durable
