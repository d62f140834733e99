// Tests of the test harness itself: a broken harness would make every integration test lie.
#include "tests/support/peers.hpp"
#include "tests/support/process.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <fstream>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace mcpwatch::testsupport {
namespace {

using namespace std::chrono_literals;

TEST(RunCommand, CapturesStdoutStderrAndExitCode) {
  auto r = runCommand({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, 5s);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->exitCode(), 3);
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_FALSE(r->timedOut);
  EXPECT_LT(r->elapsed, 5s);
}

TEST(RunCommand, FindsProgramsOnPath) {
  auto r = runCommand({"sh", "-c", "exit 0"}, 5s);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->exitCode(), 0);
}

TEST(RunCommand, KillsTheGroupOnTimeout) {
  // The grandchild (sleep) would keep the pipes open if the group were not killed.
  auto r = runCommand({"/bin/sh", "-c", "echo started; sleep 30 & wait"}, 300ms);
  ASSERT_TRUE(r) << r.error();
  EXPECT_TRUE(r->timedOut);
  EXPECT_EQ(r->exitCode(), -1);
  EXPECT_TRUE(r->status.signal.has_value());
  EXPECT_EQ(r->out, "started\n");
  EXPECT_GE(r->elapsed, 300ms);
  EXPECT_LT(r->elapsed, 5s);
}

TEST(RunCommand, ReportsASpawnFailureAsAnError) {
  auto r = runCommand({"/nonexistent/program"}, 1s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("/nonexistent/program"), std::string::npos);
}

TEST(RunCommand, AddsAndOverridesEnvironment) {
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c", "printf '%s|%s' \"$MCPWATCH_T1\" \"$HOME\""};
  options.env = {{"MCPWATCH_T1", "one"}, {"HOME", "/elsewhere"}};
  auto r = runCommand(options, 5s);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->out, "one|/elsewhere");
}

TEST(RunCommand, DrainsLargeOutputWithoutBlocking) {
  // 1 MiB on each stream is far above a pipe's 64 KiB buffer.
  auto r = runCommand({"/bin/sh", "-c", "head -c 1048576 /dev/zero; head -c 1048576 /dev/zero >&2"},
                      10s);
  ASSERT_TRUE(r) << r.error();
  EXPECT_FALSE(r->timedOut);
  EXPECT_EQ(r->out.size(), 1048576u);
  EXPECT_EQ(r->err.size(), 1048576u);
}

TEST(RunCommand, ChildDoesNotInheritIgnoredSigpipe) {
  std::signal(SIGPIPE, SIG_IGN); // as the shared test main does
  auto r = runCommand({"/bin/sh", "-c", "grep SigIgn /proc/self/status"}, 5s);
  ASSERT_TRUE(r) << r.error();
  // SIGPIPE is signal 13: bit 12 of the mask, the 0x1000 digit.
  auto mask = std::stoull(r->out.substr(r->out.find(':') + 1), nullptr, 16);
  EXPECT_EQ(mask & (1ull << (SIGPIPE - 1)), 0u) << r->out;
}

TEST(ChildProcess, WaitsForTheListeningLine) {
  auto child = ChildProcess::spawn(
      {{"/bin/sh", "-c", "echo starting; echo 'LISTENING 4242'; exec sleep 30"}, {}, {}});
  ASSERT_TRUE(child) << child.error();
  auto port = (*child)->waitForListening(5s);
  ASSERT_TRUE(port) << port.error();
  EXPECT_EQ(*port, 4242);
  EXPECT_TRUE((*child)->running());
  auto status = (*child)->stop(2s);
  EXPECT_EQ(status.signal, SIGTERM);
  EXPECT_FALSE((*child)->running());
}

TEST(ChildProcess, FailsFastWhenTheChildDiesBeforeReady) {
  auto child = ChildProcess::spawn({{"/bin/sh", "-c", "echo boom >&2; exit 1"}, {}, {}});
  ASSERT_TRUE(child) << child.error();
  auto port = (*child)->waitForListening(10s);
  ASSERT_FALSE(port);
  EXPECT_NE(port.error().find("boom"), std::string::npos) << port.error();
}

TEST(ChildProcess, ReadinessWaitHasADeadline) {
  auto child = ChildProcess::spawn({{"/bin/sh", "-c", "echo not-ready; exec sleep 30"}, {}, {}});
  ASSERT_TRUE(child) << child.error();
  auto started = std::chrono::steady_clock::now();
  auto port = (*child)->waitForListening(200ms);
  ASSERT_FALSE(port);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_NE(port.error().find("not-ready"), std::string::npos) << port.error();
}

TEST(ChildProcess, RejectsAMalformedReadinessLine) {
  auto child =
      ChildProcess::spawn({{"/bin/sh", "-c", "echo 'LISTENING 99999'; exec sleep 30"}, {}, {}});
  ASSERT_TRUE(child) << child.error();
  EXPECT_FALSE((*child)->waitForListening(5s));
}

TEST(ChildProcess, EscalatesToSigkillWhenSigtermIsIgnored) {
  auto child = ChildProcess::spawn(
      {{"/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"}, {}, {}});
  ASSERT_TRUE(child) << child.error();
  ASSERT_TRUE((*child)->waitForLine([](std::string_view l) { return l == "ready"; }, 5s));
  auto status = (*child)->stop(200ms);
  EXPECT_EQ(status.signal, SIGKILL);
}

TEST(ChildProcess, DestructorEndsTheWholeGroup) {
  pid_t grandchild = 0;
  {
    auto child = ChildProcess::spawn({{"/bin/sh", "-c", "sleep 30 & echo $!; wait"}, {}, {}});
    ASSERT_TRUE(child) << child.error();
    auto line = (*child)->waitForLine([](std::string_view l) { return !l.empty(); }, 5s);
    ASSERT_TRUE(line) << line.error();
    grandchild = static_cast<pid_t>(std::stol(*line));
    ASSERT_EQ(::kill(grandchild, 0), 0);
  }
  // Killed: gone, or a zombie waiting for init to reap it (state Z in /proc/<pid>/stat).
  auto dead = [&] {
    if (::kill(grandchild, 0) != 0)
      return true;
    std::ifstream stat("/proc/" + std::to_string(grandchild) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto close = text.rfind(')');
    return close != std::string::npos && close + 2 < text.size() && text[close + 2] == 'Z';
  };
  bool gone = false;
  // Signal delivery is asynchronous; give the kernel a bounded moment.
  for (int i = 0; i < 500 && !gone; ++i) {
    gone = dead();
    if (!gone)
      std::this_thread::yield();
    if (!gone && i > 100)
      ::usleep(5'000);
  }
  EXPECT_TRUE(gone);
}

TEST(FreeLoopbackPort, NothingListensThere) {
  auto port = freeLoopbackPort();
  ASSERT_TRUE(port) << port.error();
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(*port);
  EXPECT_NE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(errno, ECONNREFUSED);
  ::close(fd);
}

TEST(FindExecutable, SearchesPath) {
  auto sh = findExecutable("sh");
  ASSERT_TRUE(sh) << sh.error();
  EXPECT_EQ(sh->front(), '/');
  EXPECT_FALSE(findExecutable("mcpwatch-no-such-program-xyz"));
  EXPECT_FALSE(findExecutable("/etc/passwd")); // exists but is not executable
}

} // namespace
} // namespace mcpwatch::testsupport
