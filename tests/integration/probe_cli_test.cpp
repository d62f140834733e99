// `mcpwatch probe` usage errors: exit 2 and a message, before any network traffic.
#include "tests/integration/probe_run.hpp"

namespace mcpwatch::integration {
namespace {

using namespace std::chrono_literals;

void expectUsageError(const std::vector<std::string>& args) {
  auto run = testsupport::runMcpwatch(args, 15s);
  ASSERT_TRUE(run) << run.error();
  std::string shown;
  for (const auto& a : args)
    shown += " '" + a + "'";
  EXPECT_EQ(run->exitCode(), 2) << "mcpwatch" << shown << "\nstdout: " << run->out
                                << "\nstderr: " << run->err;
  EXPECT_FALSE(run->err.empty() && run->out.empty()) << "a usage error must say what is wrong";
  EXPECT_LT(run->elapsed, 5s);
}

// The URL points at a port nobody listens on: reaching the network would be exit 1, not 2.
std::string unusedUrl() {
  auto port = testsupport::freeLoopbackPort();
  return "http://127.0.0.1:" + std::to_string(port ? *port : 9) + "/mcp";
}

TEST(Cli, NoSubcommandPrintsHelpAndExitsZero) {
  auto run = testsupport::runMcpwatch({}, 15s);
  ASSERT_TRUE(run) << run.error();
  EXPECT_EQ(run->exitCode(), 0) << run->err;
  EXPECT_NE(run->out.find("Usage: mcpwatch [OPTIONS] [SUBCOMMAND]"), std::string::npos) << run->out;
  for (const char* command :
       {"probe", "run", "check-config", "test-alert", "baseline", "demo-server"})
    EXPECT_NE(run->out.find(std::string("\n  ") + command + " "), std::string::npos) << command;
  EXPECT_TRUE(run->err.empty()) << run->err;
}

TEST(Cli, VersionAndUnknownCommands) {
  auto version = testsupport::runMcpwatch({"--version"}, 15s);
  ASSERT_TRUE(version) << version.error();
  EXPECT_EQ(version->exitCode(), 0);
  EXPECT_EQ(version->out, std::string("mcpwatch ") + MCPWATCH_VERSION + "\n");
  expectUsageError({"frobnicate"});
}

TEST(ProbeUsage, MissingUrl) {
  expectUsageError({"probe"});
}

TEST(ProbeUsage, MissingUrlWithJson) {
  expectUsageError({"probe", "--json"});
}

TEST(ProbeUsage, UnknownTransport) {
  expectUsageError({"probe", unusedUrl(), "--transport", "carrier-pigeon"});
}

TEST(ProbeUsage, ArgsThatAreNotJson) {
  expectUsageError({"probe", unusedUrl(), "--call", "add", "--args", "{a:1"});
}

TEST(ProbeUsage, TimeoutThatIsNotANumber) {
  expectUsageError({"probe", unusedUrl(), "--timeout", "soon"});
}

TEST(ProbeUsage, HeaderWithoutColon) {
  expectUsageError({"probe", unusedUrl(), "--header", "Authorization Bearer x"});
}

TEST(ProbeUsage, UnknownOption) {
  expectUsageError({"probe", unusedUrl(), "--frobnicate"});
}

} // namespace
} // namespace mcpwatch::integration
