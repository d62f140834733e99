// The structured logger every module uses: a message plus fields, as text or JSON lines.
#include "common/log.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <sstream>

namespace mcpwatch::common {
namespace {

class Log : public ::testing::Test {
protected:
  void SetUp() override { previous_ = spdlog::default_logger(); }
  void TearDown() override {
    setupLogging("info", LogFormat::Text, std::make_shared<spdlog::sinks::ostream_sink_mt>(out_));
    spdlog::set_default_logger(previous_);
  }
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);)
      out.push_back(line);
    return out;
  }
  void use(LogFormat format, const char* level = "info") {
    setupLogging(level, format, std::make_shared<spdlog::sinks::ostream_sink_mt>(out_));
  }
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(Log, JsonLinesCarryTheFieldsAndPlainLinesStillParse) {
  use(LogFormat::Json);
  logRecord(spdlog::level::warn, "event delivery failed; retrying",
            {{"sink", "oncall"}, {"attempt", 2}, {"error", "HTTP 503: \"busy\"\n"}});
  spdlog::info("a plain line from a library");
  const auto all = lines();
  ASSERT_EQ(all.size(), 2u) << out_.str();
  auto record = Json::parse(all[0]);
  EXPECT_EQ(record["level"], "warning");
  EXPECT_EQ(record["msg"], "event delivery failed; retrying");
  EXPECT_EQ(record["sink"], "oncall");
  EXPECT_EQ(record["attempt"], 2);
  EXPECT_EQ(record["error"], "HTTP 503: \"busy\"\n") << "escaped, one line";
  EXPECT_TRUE(record["time"].is_string());
  EXPECT_EQ(Json::parse(all[1])["msg"], "a plain line from a library");
}

TEST_F(Log, TextLinesAreTheMessageThenKeyValuePairs) {
  use(LogFormat::Text);
  logRecord(spdlog::level::info, "event delivered",
            {{"server", "github-mcp"}, {"answer", "HTTP 202"}, {"attempt", 1}});
  const auto all = lines();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_NE(all[0].find("event delivered answer=\"HTTP 202\" attempt=1 server=github-mcp"),
            std::string::npos)
      << all[0];
}

TEST_F(Log, BelowTheLevelNothingIsWritten) {
  use(LogFormat::Json, "warn");
  logRecord(spdlog::level::info, "quiet", {{"k", "v"}});
  EXPECT_TRUE(out_.str().empty()) << out_.str();
}

} // namespace
} // namespace mcpwatch::common
