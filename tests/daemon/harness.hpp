// Harness for the daemon end-to-end tests: temp dirs, demo servers the test can kill and restart
// on the same port, config files, and a `mcpwatch run` child whose JSON log lines are parsed.
#pragma once

#include "common/asio.hpp"
#include "common/json.hpp"
#include "tests/fakes/fake_discord.hpp"
#include "tests/fakes/fake_opsgenie.hpp"
#include "tests/fakes/fake_pagerduty.hpp"
#include "tests/fakes/fake_slack.hpp"
#include "tests/support/peers.hpp"
#include "tests/support/process.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace mcpwatch::daemontest {

using testsupport::Result;
using Json = common::Json;

// A private directory under $TMPDIR, removed with everything in it.
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
  std::filesystem::path path_;
};

void writeFile(const std::string& path, const std::string& content);

// One blocking HTTP/1.1 request to 127.0.0.1:port with an empty body; the status code.
Result<int> httpRequest(std::uint16_t port, const std::string& method, const std::string& target);
// One blocking GET to 127.0.0.1:port (Connection: close); the status and the body.
// Any method (empty body, Connection: close): the status and the body.
Result<std::pair<int, std::string>> httpExchange(std::uint16_t port, const std::string& method,
                                                 const std::string& target);
Result<std::pair<int, std::string>> httpGet(std::uint16_t port, const std::string& target);

// `mcpwatch demo-server` on 127.0.0.1; after kill() it can come back on the same port.
class DemoServer {
public:
  static Result<std::unique_ptr<DemoServer>> start(std::uint16_t port = 0);
  std::uint16_t port() const { return port_; }
  std::string url() const; // http://127.0.0.1:PORT/mcp
  void kill();             // SIGKILL: no goodbye, connections refused from now on
  Result<bool> restart();  // on the same port
  Result<int> outage(int seconds) {
    return httpRequest(port_, "POST", "/demo/outage?seconds=" + std::to_string(seconds));
  }
  Result<int> endOutage() { return httpRequest(port_, "DELETE", "/demo/outage"); }
  Result<int> toggleDrift() { return httpRequest(port_, "POST", "/demo/drift"); }

private:
  static Result<std::unique_ptr<testsupport::ChildProcess>> spawn(std::uint16_t port,
                                                                  std::uint16_t* bound);
  std::unique_ptr<testsupport::ChildProcess> process_;
  std::uint16_t port_ = 0;
};

struct ServerSpec {
  std::string slug;
  std::string url;
  std::string name;              // empty: the slug
  std::vector<std::string> tags; // none by default
  std::string extraYaml;         // more keys of this server, each line indented by 4 spaces
};

struct ConfigSpec {
  std::vector<ServerSpec> servers;
  std::string databasePath;
  std::string flagFile;  // empty: none
  std::string extraYaml; // appended verbatim (sinks, routes)
  std::string interval = "1s";
  std::string timeout = "1s"; // at most the interval (the loader refuses more)
  std::string retryInterval = "500ms";
  int probeThreads = 0; // scheduler.probe_threads
};
std::string renderConfig(const ConfigSpec& spec);

// Sink YAML for the fakes; the routing key comes from ${PD_ROUTING_KEY} so it is never in a file.
std::string fakeSinksYaml(const std::string& eventsUrl, const std::string& hookUrl,
                          const std::string& hookSecret);

// The fakes with their own event loop thread; reads are safe from the test thread.
class FakeReceivers {
public:
  explicit FakeReceivers(std::string hookSecret);
  ~FakeReceivers();
  fakes::FakePagerDuty& pd() { return *pd_; }
  fakes::FakeWebhookReceiver& hook() { return *hook_; }
  fakes::FakeSlack& slack() { return *slack_; }
  fakes::FakeDiscord& discord() { return *discord_; }
  fakes::FakeOpsGenie& opsgenie() { return *opsgenie_; } // accepts kOpsGenieKey

private:
  asio::io_context ioc_;
  std::unique_ptr<fakes::FakePagerDuty> pd_;
  std::unique_ptr<fakes::FakeWebhookReceiver> hook_;
  std::unique_ptr<fakes::FakeSlack> slack_;
  std::unique_ptr<fakes::FakeDiscord> discord_;
  std::unique_ptr<fakes::FakeOpsGenie> opsgenie_;
  std::thread thread_;
};

// Polls `done` until it holds or the deadline passes (for state outside a child's output).
bool pollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout);

// `mcpwatch run --config F --log-format json`.
class DaemonProcess {
public:
  using Env = std::vector<std::pair<std::string, std::string>>;
  static Result<std::unique_ptr<DaemonProcess>> start(const std::string& configPath, Env env = {});
  testsupport::ChildProcess& process() { return *process_; }

  std::vector<Json> logs() const; // every JSON line on stderr so far
  std::vector<Json> events(const std::string& type, const std::string& slug = "") const;
  // True once some log line satisfies `match` (false after the deadline).
  bool waitForLog(const std::function<bool(const Json&)>& match, std::chrono::milliseconds timeout);
  // True once more than `count` lines satisfy `match` (the predicate must not call back into
  // this object: the output lock is held while it runs).
  bool waitForMoreThan(const std::function<bool(const Json&)>& match, std::size_t count,
                       std::chrono::milliseconds timeout);
  // True once there are at least `count` events of `type` (for `slug` when given).
  bool waitForEvents(const std::string& type, std::size_t count, const std::string& slug = "",
                     std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // Lines whose "msg" is `msg`.
  std::vector<Json> messages(const std::string& msg) const;

  void signal(int signo);
  void kill9(); // SIGKILL and reap
  // SIGTERM and wait for the exit; nullopt when it did not exit in time.
  std::optional<testsupport::ExitStatus> terminate(std::chrono::milliseconds timeout);
  std::string stderrTail() const; // for failure messages
  // The port of the web server, from its "web server listening" log line (waits for it).
  Result<std::uint16_t> webPort(std::chrono::milliseconds timeout = std::chrono::seconds(10));

private:
  std::unique_ptr<testsupport::ChildProcess> process_;
};

// Log line predicates.
bool isEvent(const Json& line, const std::string& type, const std::string& slug = "");
bool isStateChange(const Json& line, const std::string& slug, const std::string& state);

// A fixed, obviously fake 32-character PagerDuty routing key.
inline const std::string kRoutingKey = "R0UT1NGKEYdaemonE2Eabcdef0123456";
// A fixed, obviously fake OpsGenie API integration key (OpsGenie keys are UUIDs).
inline const std::string kOpsGenieKey = "0e2e0e2e-1111-4222-8333-0123456789ab";

} // namespace mcpwatch::daemontest
