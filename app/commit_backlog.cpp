// The ordered retry queue of durable commits that failed.
#include "app/commit_backlog.hpp"

#include "common/time.hpp"

#include <algorithm>
#include <utility>

namespace mcpwatch::app {

std::string describeCommitFailure(const CommitHealth& health) {
  std::string out = "database commits failing";
  if (health.failingSince)
    out += " since " + common::formatRfc3339(*health.failingSince);
  out += ": " + (health.lastError.empty() ? std::string("unknown error") : health.lastError);
  out += "; " + std::to_string(health.waiting) + " incident change" +
         (health.waiting == 1 ? "" : "s") + " waiting in memory";
  return out;
}

bool CommitBacklog::submit(PendingCommit group, common::MonoTime now, common::WallTime wallNow,
                           const CommitFn& commit, const LandedFn& landed) {
  if (entries_.empty()) {
    if (auto error = commit(group); !error) {
      landed(group);
      return true;
    } else {
      entries_.push_back(std::move(group));
      failed(now, wallNow, std::move(*error));
      return false;
    }
  }
  entries_.push_back(std::move(group));
  retry(now, wallNow, commit, landed);
  return entries_.empty();
}

std::size_t CommitBacklog::retry(common::MonoTime now, common::WallTime wallNow,
                                 const CommitFn& commit, const LandedFn& landed) {
  std::size_t done = 0;
  if (entries_.empty() || now < nextRetry_)
    return done;
  while (!entries_.empty()) {
    if (auto error = commit(entries_.front())) {
      failed(now, wallNow, std::move(*error));
      return done;
    }
    auto group = std::move(entries_.front());
    entries_.pop_front();
    ++done;
    landed(group);
  }
  // Drained: the next failure starts again with the short retry.
  backoff_ = std::chrono::milliseconds(0);
  nextRetry_ = {};
  failingSince_.reset();
  lastLog_.reset();
  recovered_ = true;
  return done;
}

void CommitBacklog::failed(common::MonoTime now, common::WallTime wallNow, std::string error) {
  ++failedCommits_;
  lastError_ = std::move(error);
  if (!failingSince_)
    failingSince_ = wallNow;
  backoff_ =
      backoff_.count() == 0 ? settings_.firstRetry : std::min(backoff_ * 2, settings_.maxRetry);
  nextRetry_ = now + backoff_;
}

std::optional<common::MonoTime> CommitBacklog::nextRetry() const {
  if (entries_.empty())
    return std::nullopt;
  return nextRetry_;
}

bool CommitBacklog::shouldLog(common::MonoTime now) {
  if (entries_.empty())
    return false;
  if (lastLog_ && now - *lastLog_ < settings_.logEvery)
    return false;
  lastLog_ = now;
  return true;
}

bool CommitBacklog::takeRecovered() {
  return std::exchange(recovered_, false);
}

CommitHealth CommitBacklog::health() const {
  CommitHealth h;
  h.failing = !entries_.empty();
  h.waiting = entries_.size();
  h.failedCommits = failedCommits_;
  h.lastError = lastError_;
  h.failingSince = failingSince_;
  return h;
}

} // namespace mcpwatch::app
