// Runs `mcpwatch probe` as a user would and checks its --json output against DESIGN.md 3 and 4.
#pragma once

#include "tests/support/peers.hpp"

#include <chrono>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mcpwatch::integration {

using Json = nlohmann::json;

struct ProbeRun {
  testsupport::CommandResult run;
  Json json;                    // null when stdout was not one JSON object
  std::string describe() const; // exit status, stdout and stderr, for failure messages
};

// `mcpwatch probe <url> --json <extra...>`. Fails the test (fatally) when the binary cannot run
// or stdout is not a JSON object.
void probeJson(const std::string& url, const std::vector<std::string>& extra, ProbeRun& out,
               std::chrono::milliseconds deadline = std::chrono::seconds(30));

struct UpExpectation {
  std::string era;
  std::string transport;
  std::string protocolVersion;
  std::size_t toolCount = 0;
};

// ok:true, exit 0, status "up", no failure, and the expected era/transport/version/tool count
// with a `sha256:` + 64 lowercase hex fingerprint and as many names as tools.
void expectUp(const ProbeRun& probe, const std::string& url, const UpExpectation& expected);

// ok:false, exit 1, status "down", the expected reason and a non-empty detail.
void expectDown(const ProbeRun& probe, const std::string& reason);

// Fails the current test when node or tests/peers/node_modules is missing.
#define MCPWATCH_REQUIRE_PEERS()                                                                   \
  do {                                                                                             \
    if (auto problem = ::mcpwatch::testsupport::peersUnavailable())                                \
      FAIL() << *problem;                                                                          \
  } while (false)

} // namespace mcpwatch::integration
