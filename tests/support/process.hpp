// Child processes for tests: spawn with captured output in its own process group, wait for a
// readiness line, run a command to completion with a deadline, and always clean up the group.
#pragma once

#include "common/expected.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <thread>
#include <utility>
#include <vector>

namespace mcpwatch::testsupport {

template <class T> using Result = common::Expected<T, std::string>;

struct SpawnOptions {
  std::vector<std::string> argv; // argv[0] without a slash is looked up on PATH
  // Added to the inherited environment; a name that is already set is replaced.
  std::vector<std::pair<std::string, std::string>> env;
  std::string workingDirectory; // empty: inherit
};

// How a child ended: `code` for a normal exit, `signal` when a signal killed it.
struct ExitStatus {
  std::optional<int> code;
  std::optional<int> signal;
  std::string describe() const; // "exit 1", "signal 9"
};

// A running child with stdout and stderr captured by a reader thread (so it never blocks on a
// full pipe). The destructor ends the whole process group: SIGTERM, then SIGKILL after a grace.
class ChildProcess {
public:
  static Result<std::unique_ptr<ChildProcess>> spawn(SpawnOptions options);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // The first complete stdout line for which `match` is true. Fails when the deadline passes or
  // stdout closes first (the child died); the message carries the captured stderr tail.
  Result<std::string> waitForLine(const std::function<bool(std::string_view)>& match,
                                  std::chrono::milliseconds timeout);
  // Waits until `done(stdout, stderr)` holds for the output captured so far; false after the
  // deadline. For peers that report what they received (e.g. one stderr line per request).
  bool
  waitForOutput(const std::function<bool(const std::string& out, const std::string& err)>& done,
                std::chrono::milliseconds timeout);
  // Waits for the peers' readiness line `LISTENING <port>` and returns the port.
  Result<std::uint16_t> waitForListening(std::chrono::milliseconds timeout);

  // Exit status once the child has ended, waiting at most `timeout`.
  std::optional<ExitStatus> waitForExit(std::chrono::milliseconds timeout);
  bool running();

  // SIGTERM to the group, SIGKILL after `grace`, reap. Idempotent; returns how the child ended.
  ExitStatus stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));

  std::string stdoutText() const; // everything captured so far
  std::string stderrText() const;
  // Waits until stdout and stderr are closed (the child and anything it started are gone), at
  // most `timeout`; true when they are.
  bool waitForOutputEnd(std::chrono::milliseconds timeout);

private:
  ChildProcess() = default;
  void readLoop();
  bool reap(bool block);

  pid_t pid_ = -1;
  int outFd_ = -1;
  int errFd_ = -1;
  int wakeRead_ = -1;
  int wakeWrite_ = -1;
  std::thread reader_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::string out_;
  std::string err_;
  bool outEnded_ = false;
  bool errEnded_ = false;
  std::optional<ExitStatus> status_;
};

struct CommandResult {
  ExitStatus status;
  bool timedOut = false; // the deadline passed and the child was killed
  std::string out;
  std::string err;
  std::chrono::milliseconds elapsed{0}; // from spawn to exit (or to the kill)
  // Exit code, or -1 when the child did not exit normally (signal, timeout).
  int exitCode() const { return status.code.value_or(-1); }
};

// Runs a command to completion; past `timeout` the group is killed and `timedOut` set.
Result<CommandResult> runCommand(SpawnOptions options, std::chrono::milliseconds timeout);
Result<CommandResult> runCommand(std::vector<std::string> argv, std::chrono::milliseconds timeout);

// A port on 127.0.0.1 with nothing listening (bound to 0, then closed). Only for tests that need
// a refused connection: anything else should let the server bind port 0 itself.
Result<std::uint16_t> freeLoopbackPort();

// The executable `name` found on PATH (or `name` itself when it contains a slash and exists).
Result<std::string> findExecutable(std::string_view name);

} // namespace mcpwatch::testsupport
