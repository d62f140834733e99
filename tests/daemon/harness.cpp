// Harness for the daemon end-to-end tests (see harness.hpp).
#include "tests/daemon/harness.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace mcpwatch::daemontest {

using namespace std::chrono_literals;
using testsupport::ChildProcess;
using testsupport::SpawnOptions;

TempDir::TempDir() {
  auto base = std::filesystem::temp_directory_path() / "mcpwatch-daemon-XXXXXX";
  std::string pattern = base.string();
  if (!::mkdtemp(pattern.data()))
    throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void writeFile(const std::string& path, const std::string& content) {
  // Write then rename, so a daemon reloading at the same moment never reads half a file.
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out)
      throw std::runtime_error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path);
}

Result<std::pair<int, std::string>> httpExchange(std::uint16_t port, const std::string& method,
                                                 const std::string& target) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return common::unexpected(std::string("socket: ") + std::strerror(errno));
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::string err = std::strerror(errno);
    ::close(fd);
    return common::unexpected("connect to 127.0.0.1:" + std::to_string(port) + ": " + err);
  }
  std::string request = method + " " + target +
                        " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                        "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return common::unexpected(std::string("send failed"));
  }
  std::string answer;
  char buf[16384];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
      break;
    answer.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto end = answer.find("\r\n\r\n");
  if (answer.size() < 12 || answer.compare(0, 5, "HTTP/") != 0 || end == std::string::npos)
    return common::unexpected("no HTTP answer to " + method + " " + target);
  return std::make_pair(std::atoi(answer.substr(9, 3).c_str()), answer.substr(end + 4));
}

Result<int> httpRequest(std::uint16_t port, const std::string& method, const std::string& target) {
  auto answer = httpExchange(port, method, target);
  if (!answer)
    return common::unexpected(answer.error());
  return answer->first;
}

Result<std::pair<int, std::string>> httpGet(std::uint16_t port, const std::string& target) {
  return httpExchange(port, "GET", target);
}

Result<std::unique_ptr<ChildProcess>> DemoServer::spawn(std::uint16_t port, std::uint16_t* bound) {
  SpawnOptions options;
  options.argv = {testsupport::mcpwatchBinary(), "demo-server", "--listen",
                  "127.0.0.1:" + std::to_string(port)};
  auto child = ChildProcess::spawn(std::move(options));
  if (!child)
    return common::unexpected(child.error());
  auto line = (*child)->waitForLine(
      [](std::string_view l) { return l.find("listening on http://") != std::string_view::npos; },
      10s);
  if (!line)
    return common::unexpected("demo server did not start: " + line.error());
  auto at = line->find("127.0.0.1:");
  if (at == std::string::npos)
    return common::unexpected("demo server line without an address: " + *line);
  *bound = static_cast<std::uint16_t>(std::atoi(line->c_str() + at + 10));
  return std::move(child.value());
}

Result<std::unique_ptr<DemoServer>> DemoServer::start(std::uint16_t port) {
  auto server = std::unique_ptr<DemoServer>(new DemoServer());
  auto child = spawn(port, &server->port_);
  if (!child)
    return common::unexpected(child.error());
  server->process_ = std::move(child.value());
  return server;
}

std::string DemoServer::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/mcp";
}

void DemoServer::kill() {
  if (!process_)
    return;
  ::kill(-process_->pid(), SIGKILL);
  process_->waitForExit(5s);
  process_.reset();
}

Result<bool> DemoServer::restart() {
  kill();
  std::uint16_t bound = 0;
  // The old socket is gone with its process; retry briefly in case the kernel is slow to free it.
  std::string lastError;
  for (int attempt = 0; attempt < 20; ++attempt) {
    auto child = spawn(port_, &bound);
    if (child) {
      process_ = std::move(child.value());
      if (bound != port_)
        return common::unexpected("demo server came back on port " + std::to_string(bound));
      return true;
    }
    lastError = child.error();
    std::this_thread::sleep_for(50ms);
  }
  return common::unexpected(lastError);
}

std::string renderConfig(const ConfigSpec& spec) {
  std::ostringstream y;
  y << "defaults:\n"
    << "  interval: " << spec.interval << "\n"
    << "  timeout: " << spec.timeout << "\n"
    << "  retry_interval: " << spec.retryInterval << "\n"
    << "  failure_threshold: 2\n"
    << "  success_threshold: 1\n"
    << "storage:\n  path: " << Json(spec.databasePath).dump() << "\n"
    << "scheduler:\n  jitter: 0s\n  probe_threads: " << spec.probeThreads << "\n"
    << "alerting:\n  retry_schedule: [200ms, 400ms]\n  give_up_after: 5s\n"
    << "web:\n  listen: 127.0.0.1:0\n  public_url: https://status.example.test\n";
  if (!spec.flagFile.empty())
    y << "maintenance:\n  flag_file: " << Json(spec.flagFile).dump() << "\n";
  y << "servers:\n";
  for (const auto& s : spec.servers) {
    y << "  - slug: " << s.slug << "\n"
      << "    name: " << Json(s.name.empty() ? s.slug : s.name).dump() << "\n"
      << "    url: " << Json(s.url).dump() << "\n";
    if (!s.tags.empty())
      y << "    tags: " << Json(s.tags).dump() << "\n";
    y << s.extraYaml;
  }
  y << spec.extraYaml;
  return y.str();
}

std::string fakeSinksYaml(const std::string& eventsUrl, const std::string& hookUrl,
                          const std::string& hookSecret) {
  std::ostringstream y;
  y << "sinks:\n"
    << "  pd:\n"
    << "    type: pagerduty\n"
    << "    routing_key: \"${PD_ROUTING_KEY}\"\n"
    << "    severity: error\n"
    << "    source: mcpwatch-e2e\n"
    << "    events_url: " << Json(eventsUrl).dump() << "\n"
    << "    timeout: 2s\n"
    << "  hook:\n"
    << "    type: webhook\n"
    << "    url: " << Json(hookUrl).dump() << "\n"
    << "    secret: " << Json(hookSecret).dump() << "\n"
    << "    timeout: 2s\n"
    << "routes:\n"
    << "  - sinks: [pd, hook]\n";
  return y.str();
}

FakeReceivers::FakeReceivers(std::string hookSecret)
    : pd_(std::make_unique<fakes::FakePagerDuty>(ioc_.get_executor())),
      hook_(
          std::make_unique<fakes::FakeWebhookReceiver>(ioc_.get_executor(), std::move(hookSecret))),
      slack_(std::make_unique<fakes::FakeSlack>(ioc_.get_executor())),
      discord_(std::make_unique<fakes::FakeDiscord>(ioc_.get_executor())),
      opsgenie_(std::make_unique<fakes::FakeOpsGenie>(ioc_.get_executor(), kOpsGenieKey)) {
  thread_ = std::thread([this] {
    auto guard = asio::make_work_guard(ioc_);
    ioc_.run();
  });
}

FakeReceivers::~FakeReceivers() {
  ioc_.stop();
  thread_.join();
  opsgenie_.reset();
  discord_.reset();
  slack_.reset();
  hook_.reset();
  pd_.reset();
}

bool pollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(20ms);
  }
}

Result<std::unique_ptr<DaemonProcess>> DaemonProcess::start(const std::string& configPath,
                                                            Env env) {
  SpawnOptions options;
  options.argv = {testsupport::mcpwatchBinary(),
                  "run",
                  "--config",
                  configPath,
                  "--log-format",
                  "json",
                  "--shutdown-grace",
                  "3"};
  options.env = std::move(env);
  auto child = ChildProcess::spawn(std::move(options));
  if (!child)
    return common::unexpected(child.error());
  auto daemon = std::unique_ptr<DaemonProcess>(new DaemonProcess());
  daemon->process_ = std::move(child.value());
  return daemon;
}

namespace {

std::vector<Json> parseLines(const std::string& text) {
  std::vector<Json> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string::npos)
      break; // an incomplete last line is parsed once it is complete
    auto line = std::string_view(text).substr(pos, end - pos);
    if (auto j = common::parseJson(line); j && j->is_object())
      out.push_back(std::move(*j));
    pos = end + 1;
  }
  return out;
}

} // namespace

std::vector<Json> DaemonProcess::logs() const {
  return parseLines(process_->stderrText());
}

std::vector<Json> DaemonProcess::events(const std::string& type, const std::string& slug) const {
  std::vector<Json> out;
  for (const auto& line : logs())
    if (isEvent(line, type, slug))
      out.push_back(line["event"]);
  return out;
}

std::vector<Json> DaemonProcess::messages(const std::string& msg) const {
  std::vector<Json> out;
  for (const auto& line : logs())
    if (line.value("msg", "") == msg)
      out.push_back(line);
  return out;
}

bool DaemonProcess::waitForLog(const std::function<bool(const Json&)>& match,
                               std::chrono::milliseconds timeout) {
  return process_->waitForOutput(
      [&](const std::string&, const std::string& err) {
        for (const auto& line : parseLines(err))
          if (match(line))
            return true;
        return false;
      },
      timeout);
}

bool DaemonProcess::waitForMoreThan(const std::function<bool(const Json&)>& match,
                                    std::size_t count, std::chrono::milliseconds timeout) {
  return process_->waitForOutput(
      [&](const std::string&, const std::string& err) {
        std::size_t n = 0;
        for (const auto& line : parseLines(err))
          if (match(line))
            ++n;
        return n > count;
      },
      timeout);
}

bool DaemonProcess::waitForEvents(const std::string& type, std::size_t count,
                                  const std::string& slug, std::chrono::milliseconds timeout) {
  return process_->waitForOutput(
      [&](const std::string&, const std::string& err) {
        std::size_t n = 0;
        for (const auto& line : parseLines(err))
          if (isEvent(line, type, slug))
            ++n;
        return n >= count;
      },
      timeout);
}

void DaemonProcess::signal(int signo) {
  ::kill(process_->pid(), signo);
}

void DaemonProcess::kill9() {
  ::kill(-process_->pid(), SIGKILL);
  process_->waitForExit(5s);
}

std::optional<testsupport::ExitStatus> DaemonProcess::terminate(std::chrono::milliseconds timeout) {
  ::kill(process_->pid(), SIGTERM);
  return process_->waitForExit(timeout);
}

Result<std::uint16_t> DaemonProcess::webPort(std::chrono::milliseconds timeout) {
  std::string url;
  const bool found = waitForLog(
      [&](const Json& l) {
        if (l.value("msg", "") != "web server listening")
          return false;
        url = l.value("url", "");
        return true;
      },
      timeout);
  const std::string prefix = "http://127.0.0.1:";
  if (!found || url.rfind(prefix, 0) != 0)
    return common::unexpected("no \"web server listening\" line with a 127.0.0.1 url\n" +
                              stderrTail());
  return static_cast<std::uint16_t>(std::atoi(url.c_str() + prefix.size()));
}

std::string DaemonProcess::stderrTail() const {
  auto err = process_->stderrText();
  return err.size() > 6000 ? err.substr(err.size() - 6000) : err;
}

bool isEvent(const Json& line, const std::string& type, const std::string& slug) {
  if (line.value("msg", "") != "event" || !line.contains("event") || !line["event"].is_object())
    return false;
  const auto& ev = line["event"];
  return ev.value("type", "") == type && (slug.empty() || ev.value("server_slug", "") == slug);
}

bool isStateChange(const Json& line, const std::string& slug, const std::string& state) {
  return line.value("msg", "") == "state changed" && line.value("server", "") == slug &&
         line.value("state", "") == state;
}

} // namespace mcpwatch::daemontest
