// `mcpwatch baseline accept SLUG --config FILE`: accepts the server's current tool schema as its
// baseline (ends a `schema_drift: fail` outage). A running daemon picks it up at its next probe.
#include "app/commands.hpp"
#include "app/sinks.hpp"
#include "common/time.hpp"
#include "config/loader.hpp"
#include "detector/state.hpp"
#include "store/store.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

namespace mcpwatch::app {
namespace {

struct BaselineArgs {
  std::string configPath;
  std::string slug;
};

int acceptBaseline(const BaselineArgs& args) {
  auto loaded = config::loadConfigFile(args.configPath, config::processEnvironment(), sinkTypes());
  if (!loaded) {
    for (const auto& e : loaded.error())
      std::fprintf(stderr, "%s: %s\n", args.configPath.c_str(), e.toString().c_str());
    return 2;
  }
  if (!loaded->findServer(args.slug)) {
    std::fprintf(stderr, "baseline: no server \"%s\" in %s\n", args.slug.c_str(),
                 args.configPath.c_str());
    return 2;
  }
  auto store = store::Store::open(loaded->storage.path);
  if (!store) {
    std::fprintf(stderr, "baseline: %s\n", store.error().c_str());
    return 1;
  }
  auto states = store.value()->loadServerStates();
  if (!states) {
    std::fprintf(stderr, "baseline: %s\n", states.error().c_str());
    return 1;
  }
  for (const auto& record : states.value()) {
    if (record.slug != args.slug)
      continue;
    auto json = common::parseJson(record.stateJson);
    auto state = json ? detector::stateFromJson(*json)
                      : common::Expected<detector::ServerState, std::string>(
                            common::unexpected(std::string("state is not JSON")));
    if (!state) {
      std::fprintf(stderr, "baseline: saved state of %s is unreadable: %s\n", args.slug.c_str(),
                   state.error().c_str());
      return 1;
    }
    const auto& latest = state->schema.latest;
    if (!latest) {
      std::fprintf(stderr, "baseline: %s has no tool schema recorded yet (has it been probed?)\n",
                   args.slug.c_str());
      return 1;
    }
    common::Json tools = common::Json::object();
    for (const auto& [name, hash] : latest->tools)
      tools[name] = hash;
    auto now = std::chrono::system_clock::now();
    auto written = store.value()->putBaselineSync(
        store::BaselineRecord{args.slug, latest->fingerprint, tools.dump(), now, true});
    if (!written) {
      std::fprintf(stderr, "baseline: %s\n", written.error().c_str());
      return 1;
    }
    std::printf("baseline of %s accepted: %s (%zu tools, pinned)\n", args.slug.c_str(),
                latest->fingerprint.c_str(), latest->tools.size());
    return 0;
  }
  std::fprintf(stderr, "baseline: %s has not been probed yet\n", args.slug.c_str());
  return 1;
}

} // namespace

void addBaselineCommand(CLI::App& app, int& exitCode) {
  auto args = std::make_shared<BaselineArgs>();
  auto* baseline = app.add_subcommand("baseline", "Manage tool-schema baselines");
  baseline->require_subcommand(1);
  auto* accept = baseline->add_subcommand(
      "accept", "Accept a server's current tool schema as its (pinned) baseline");
  accept->add_option("SLUG", args->slug, "The server's slug")->required();
  accept->add_option("--config,-c", args->configPath, "Config file")->required();
  accept->callback([args, &exitCode] { exitCode = acceptBaseline(*args); });
}

} // namespace mcpwatch::app
