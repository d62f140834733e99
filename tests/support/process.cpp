// Child processes for tests: posix_spawn into a new process group, pipes drained by a thread.
#include "tests/support/process.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace mcpwatch::testsupport {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Past this a stream's capture is cut (the pipe is still drained so the child never blocks).
constexpr std::size_t kMaxCapture = 16 * 1024 * 1024;

std::string errnoText(std::string_view what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

void closeFd(int& fd) {
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

std::string tail(const std::string& text, std::size_t bytes = 2000) {
  return text.size() <= bytes ? text : "..." + text.substr(text.size() - bytes);
}

std::vector<std::string> buildEnvironment(const SpawnOptions& options) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    auto name = entry.substr(0, entry.find('='));
    bool replaced = std::any_of(options.env.begin(), options.env.end(),
                                [&](const auto& kv) { return kv.first == name; });
    if (!replaced)
      env.emplace_back(entry);
  }
  for (const auto& [name, value] : options.env)
    env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> cStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

ExitStatus decodeWaitStatus(int status) {
  ExitStatus result;
  if (WIFEXITED(status))
    result.code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    result.signal = WTERMSIG(status);
  return result;
}

} // namespace

std::string ExitStatus::describe() const {
  if (code)
    return "exit " + std::to_string(*code);
  if (signal)
    return "signal " + std::to_string(*signal);
  return "still running";
}

Result<std::unique_ptr<ChildProcess>> ChildProcess::spawn(SpawnOptions options) {
  if (options.argv.empty())
    return common::unexpected(std::string("spawn: empty argv"));

  int outPipe[2] = {-1, -1};
  int errPipe[2] = {-1, -1};
  int wakePipe[2] = {-1, -1};
  auto closeAll = [&] {
    for (int* p : {outPipe, errPipe, wakePipe}) {
      closeFd(p[0]);
      closeFd(p[1]);
    }
  };
  if (::pipe2(outPipe, O_CLOEXEC) != 0 || ::pipe2(errPipe, O_CLOEXEC) != 0 ||
      ::pipe2(wakePipe, O_CLOEXEC) != 0) {
    int err = errno;
    closeAll();
    return common::unexpected(errnoText("pipe2", err));
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, outPipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, errPipe[1], STDERR_FILENO);
  if (!options.workingDirectory.empty())
    posix_spawn_file_actions_addchdir_np(&actions, options.workingDirectory.c_str());

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group, so stop() reaches grandchildren too; default signal dispositions, because
  // the test runner ignores SIGPIPE and ignored signals survive exec.
  sigset_t allSignals;
  sigset_t noSignals;
  sigfillset(&allSignals);
  sigemptyset(&noSignals);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigdefault(&attr, &allSignals);
  posix_spawnattr_setsigmask(&attr, &noSignals);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  auto envStrings = buildEnvironment(options);
  auto envp = cStrings(envStrings);
  auto argvStrings = options.argv;
  auto argv = cStrings(argvStrings);

  pid_t pid = -1;
  bool searchPath = options.argv[0].find('/') == std::string::npos;
  int rc = searchPath ? ::posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data())
                      : ::posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    closeAll();
    return common::unexpected(errnoText("spawn " + options.argv[0], rc));
  }

  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->pid_ = pid;
  closeFd(outPipe[1]);
  closeFd(errPipe[1]);
  child->outFd_ = outPipe[0];
  child->errFd_ = errPipe[0];
  child->wakeRead_ = wakePipe[0];
  child->wakeWrite_ = wakePipe[1];
  child->reader_ = std::thread([raw = child.get()] { raw->readLoop(); });
  return child;
}

void ChildProcess::readLoop() {
  char buffer[65536];
  for (;;) {
    pollfd fds[3];
    nfds_t count = 0;
    int outIndex = -1;
    int errIndex = -1;
    if (outFd_ >= 0) {
      outIndex = static_cast<int>(count);
      fds[count++] = {outFd_, POLLIN, 0};
    }
    if (errFd_ >= 0) {
      errIndex = static_cast<int>(count);
      fds[count++] = {errFd_, POLLIN, 0};
    }
    if (count == 0)
      return;
    int wakeIndex = static_cast<int>(count);
    fds[count++] = {wakeRead_, POLLIN, 0};
    if (::poll(fds, count, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if (fds[wakeIndex].revents != 0)
      break;
    for (int index : {outIndex, errIndex}) {
      if (index < 0 || fds[index].revents == 0)
        continue;
      bool isOut = index == outIndex;
      int& fd = isOut ? outFd_ : errFd_;
      ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR)
        continue;
      std::lock_guard lock(mutex_);
      if (n <= 0) {
        closeFd(fd);
        (isOut ? outEnded_ : errEnded_) = true;
      } else {
        std::string& sink = isOut ? out_ : err_;
        std::size_t room = kMaxCapture > sink.size() ? kMaxCapture - sink.size() : 0;
        sink.append(buffer, std::min(room, static_cast<std::size_t>(n)));
      }
      changed_.notify_all();
    }
  }
  // Woken for shutdown: whatever is still open counts as ended.
  std::lock_guard lock(mutex_);
  closeFd(outFd_);
  closeFd(errFd_);
  outEnded_ = errEnded_ = true;
  changed_.notify_all();
}

Result<std::string> ChildProcess::waitForLine(const std::function<bool(std::string_view)>& match,
                                              milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::unique_lock lock(mutex_);
  std::size_t scanned = 0; // lines before this offset were already rejected
  for (;;) {
    for (;;) {
      auto end = out_.find('\n', scanned);
      if (end == std::string::npos)
        break;
      std::string_view line(out_.data() + scanned, end - scanned);
      if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
      scanned = end + 1;
      if (match(line))
        return std::string(line);
    }
    if (outEnded_) {
      // The child is most likely dead: let its last words on stderr arrive for the message.
      changed_.wait_for(lock, milliseconds(500), [&] { return errEnded_; });
      return common::unexpected("pid " + std::to_string(pid_) +
                                " closed stdout before the expected line; stderr: " + tail(err_));
    }
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout &&
        out_.find('\n', scanned) == std::string::npos)
      return common::unexpected("pid " + std::to_string(pid_) + ": no expected line within " +
                                std::to_string(timeout.count()) + " ms; stdout: " + tail(out_) +
                                "; stderr: " + tail(err_));
  }
}

bool ChildProcess::waitForOutput(
    const std::function<bool(const std::string& out, const std::string& err)>& done,
    milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return done(out_, err_); });
}

Result<std::uint16_t> ChildProcess::waitForListening(milliseconds timeout) {
  constexpr std::string_view kPrefix = "LISTENING ";
  auto line = waitForLine(
      [&](std::string_view l) { return l.substr(0, kPrefix.size()) == kPrefix; }, timeout);
  if (!line)
    return common::unexpected(line.error());
  std::string digits = line->substr(kPrefix.size());
  bool numeric =
      !digits.empty() && digits.size() <= 5 &&
      std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
  int port = numeric ? std::stoi(digits) : 0;
  if (port <= 0 || port > 65535)
    return common::unexpected("bad readiness line: " + *line);
  return static_cast<std::uint16_t>(port);
}

bool ChildProcess::reap(bool block) {
  if (status_)
    return true;
  int status = 0;
  for (;;) {
    pid_t rc = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
    if (rc == pid_) {
      std::lock_guard lock(mutex_);
      status_ = decodeWaitStatus(status);
      return true;
    }
    if (rc < 0 && errno == EINTR)
      continue;
    if (rc < 0) { // not our child any more (should not happen): treat as gone
      std::lock_guard lock(mutex_);
      status_ = ExitStatus{};
      return true;
    }
    return false;
  }
}

std::optional<ExitStatus> ChildProcess::waitForExit(milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    if (reap(false))
      return status_;
    auto now = Clock::now();
    if (now >= deadline)
      return std::nullopt;
    // No SIGCHLD plumbing: re-check every 2 ms, or at once when output changes (often the exit).
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, std::min(deadline, now + milliseconds(2)));
  }
}

bool ChildProcess::running() {
  return !reap(false);
}

ExitStatus ChildProcess::stop(milliseconds grace) {
  if (!reap(false)) {
    ::kill(-pid_, SIGTERM);
    if (!waitForExit(grace)) {
      ::kill(-pid_, SIGKILL);
      reap(true);
    }
  }
  // Stragglers the child left in its group (a server's workers) go too.
  ::kill(-pid_, SIGKILL);
  return *status_;
}

bool ChildProcess::waitForOutputEnd(milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return outEnded_ && errEnded_; });
}

std::string ChildProcess::stdoutText() const {
  std::lock_guard lock(mutex_);
  return out_;
}

std::string ChildProcess::stderrText() const {
  std::lock_guard lock(mutex_);
  return err_;
}

ChildProcess::~ChildProcess() {
  stop();
  // A descendant that escaped the group could hold the pipes open; do not wait for it forever.
  waitForOutputEnd(milliseconds(1000));
  if (wakeWrite_ >= 0) {
    char byte = 1;
    [[maybe_unused]] auto n = ::write(wakeWrite_, &byte, 1);
  }
  if (reader_.joinable())
    reader_.join();
  closeFd(wakeRead_);
  closeFd(wakeWrite_);
}

Result<CommandResult> runCommand(SpawnOptions options, milliseconds timeout) {
  auto started = Clock::now();
  auto child = ChildProcess::spawn(std::move(options));
  if (!child)
    return common::unexpected(child.error());
  CommandResult result;
  auto status = (*child)->waitForExit(timeout);
  result.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  if (!status) {
    result.timedOut = true;
    status = (*child)->stop(milliseconds(500));
  }
  result.status = *status;
  (*child)->waitForOutputEnd(milliseconds(1000));
  result.out = (*child)->stdoutText();
  result.err = (*child)->stderrText();
  return result;
}

Result<CommandResult> runCommand(std::vector<std::string> argv, milliseconds timeout) {
  SpawnOptions options;
  options.argv = std::move(argv);
  return runCommand(std::move(options), timeout);
}

Result<std::uint16_t> freeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return common::unexpected(errnoText("socket", errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int err = errno;
    ::close(fd);
    return common::unexpected(errnoText("bind 127.0.0.1:0", err));
  }
  ::close(fd);
  return static_cast<std::uint16_t>(ntohs(addr.sin_port));
}

Result<std::string> findExecutable(std::string_view name) {
  auto isExecutable = [](const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
  };
  if (name.find('/') != std::string_view::npos) {
    std::string path(name);
    if (isExecutable(path))
      return path;
    return common::unexpected(path + " is not an executable file");
  }
  const char* pathEnv = std::getenv("PATH");
  std::string_view dirs = pathEnv ? pathEnv : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    auto colon = dirs.find(':');
    auto dir = dirs.substr(0, colon);
    dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
    std::string candidate = std::string(dir.empty() ? "." : dir) + "/" + std::string(name);
    if (isExecutable(candidate))
      return candidate;
  }
  return common::unexpected(std::string(name) + " not found on PATH");
}

} // namespace mcpwatch::testsupport
