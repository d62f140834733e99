// Shared run-and-check helpers of the probe integration tests.
#include "tests/integration/probe_run.hpp"

#include <regex>

namespace mcpwatch::integration {

std::string ProbeRun::describe() const {
  return "[" + run.status.describe() + (run.timedOut ? ", killed after the test deadline" : "") +
         ", " + std::to_string(run.elapsed.count()) + " ms]\nstdout: " + run.out +
         "\nstderr: " + run.err;
}

void probeJson(const std::string& url, const std::vector<std::string>& extra, ProbeRun& out,
               std::chrono::milliseconds deadline) {
  std::vector<std::string> args{"probe", url, "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto run = testsupport::runMcpwatch(args, deadline);
  ASSERT_TRUE(run) << run.error();
  out.run = std::move(*run);
  ASSERT_FALSE(out.run.timedOut) << "mcpwatch probe did not finish: " << out.describe();
  out.json = Json::parse(out.run.out, nullptr, false);
  ASSERT_FALSE(out.json.is_discarded()) << "stdout is not JSON: " << out.describe();
  ASSERT_TRUE(out.json.is_object()) << out.describe();
}

namespace {

bool isFingerprint(const Json& value) {
  static const std::regex shape("sha256:[0-9a-f]{64}");
  return value.is_string() && std::regex_match(value.get<std::string>(), shape);
}

} // namespace

void expectUp(const ProbeRun& probe, const std::string& url, const UpExpectation& expected) {
  const Json& j = probe.json;
  SCOPED_TRACE(probe.describe());
  EXPECT_EQ(probe.run.exitCode(), 0);
  EXPECT_EQ(j.value("url", ""), url);
  EXPECT_EQ(j.value("ok", false), true);
  EXPECT_EQ(j.value("status", ""), "up");
  EXPECT_TRUE(!j.contains("failure") || j["failure"].is_null());
  EXPECT_EQ(j.value("era", ""), expected.era);
  EXPECT_EQ(j.value("transport", ""), expected.transport);
  EXPECT_EQ(j.value("protocol_version", ""), expected.protocolVersion);
  ASSERT_TRUE(j.contains("server_info") && j["server_info"].is_object());
  EXPECT_FALSE(j["server_info"].value("name", "").empty());
  ASSERT_TRUE(j.contains("tools") && j["tools"].is_object());
  const Json& tools = j["tools"];
  EXPECT_EQ(tools.value("count", std::size_t{0}), expected.toolCount);
  EXPECT_TRUE(isFingerprint(tools.value("fingerprint", Json()))) << tools.dump();
  ASSERT_TRUE(tools.contains("names") && tools["names"].is_array());
  EXPECT_EQ(tools["names"].size(), expected.toolCount);
  ASSERT_TRUE(j.contains("timings_ms") && j["timings_ms"].is_object());
  EXPECT_TRUE(j["timings_ms"].value("total", Json()).is_number());
  EXPECT_TRUE(j["timings_ms"].value("handshake", Json()).is_number());
}

void expectDown(const ProbeRun& probe, const std::string& reason) {
  const Json& j = probe.json;
  SCOPED_TRACE(probe.describe());
  EXPECT_EQ(probe.run.exitCode(), 1);
  EXPECT_EQ(j.value("ok", true), false);
  EXPECT_EQ(j.value("status", ""), "down");
  ASSERT_TRUE(j.contains("failure") && j["failure"].is_object());
  EXPECT_EQ(j["failure"].value("reason", ""), reason);
  EXPECT_FALSE(j["failure"].value("detail", "").empty());
}

} // namespace mcpwatch::integration
