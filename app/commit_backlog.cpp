// The ordered retry queue of durable commits that failed.
#include "app/commit_backlog.hpp"

#include "common/time.hpp"

#include <algorithm>
#include <set>
#include <string_view>
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

namespace {

CommitBacklog::BatchCommitFn oneAtATime(const CommitBacklog::CommitFn& commit) {
  return [&commit](std::vector<PendingCommit*>& batch) { return commit(*batch.front()); };
}

} // namespace

bool CommitBacklog::submit(PendingCommit group, common::MonoTime now, common::WallTime wallNow,
                           const CommitFn& commit, const LandedFn& landed) {
  add(std::move(group));
  flush(now, wallNow, oneAtATime(commit), landed, 1);
  return entries_.empty();
}

std::size_t CommitBacklog::retry(common::MonoTime now, common::WallTime wallNow,
                                 const CommitFn& commit, const LandedFn& landed) {
  return flush(now, wallNow, oneAtATime(commit), landed, 1);
}

std::size_t CommitBacklog::flush(common::MonoTime now, common::WallTime wallNow,
                                 const BatchCommitFn& commit, const LandedFn& landed,
                                 std::size_t maxBatch) {
  std::size_t done = 0;
  for (auto batch = takeBatch(now, maxBatch); !batch.empty(); batch = takeBatch(now, maxBatch)) {
    if (auto error = commit(batch)) {
      batchFailed(now, wallNow, std::move(*error));
      break;
    }
    done += batchLanded(landed);
  }
  return done;
}

std::vector<PendingCommit*> CommitBacklog::takeBatch(common::MonoTime now, std::size_t maxBatch) {
  std::vector<PendingCommit*> batch;
  if (out_ > 0 || entries_.empty() || (failingSince_ && now < nextRetry_))
    return batch;
  // While commits fail, one group per attempt, so one bad group never holds others back; never
  // two groups of one server in one transaction.
  const std::size_t limit = failingSince_ ? 1 : std::max<std::size_t>(maxBatch, 1);
  std::set<std::string_view> slugs;
  for (auto& group : entries_) {
    if (batch.size() >= limit || !slugs.insert(group.slug).second)
      break;
    batch.push_back(&group);
  }
  out_ = batch.size();
  return batch;
}

std::size_t CommitBacklog::batchLanded(const LandedFn& landed) {
  const std::size_t n = std::exchange(out_, 0);
  // Off the queue first: whatever `landed` does, a committed group is never committed again.
  std::vector<PendingCommit> done;
  done.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (auto it = perServer_.find(entries_.front().slug);
        it != perServer_.end() && --it->second == 0)
      perServer_.erase(it);
    done.push_back(std::move(entries_.front()));
    entries_.pop_front();
  }
  if (entries_.empty() && failingSince_)
    drained();
  for (auto& group : done)
    landed(group);
  return n;
}

void CommitBacklog::batchFailed(common::MonoTime now, common::WallTime wallNow, std::string error) {
  out_ = 0;
  failed(now, wallNow, std::move(error));
}

void CommitBacklog::drained() {
  // The next failure starts again with the short retry.
  backoff_ = std::chrono::milliseconds(0);
  nextRetry_ = {};
  failingSince_.reset();
  lastLog_.reset();
  recovered_ = true;
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
  if (entries_.empty() || !failingSince_)
    return std::nullopt;
  return nextRetry_;
}

bool CommitBacklog::shouldLog(common::MonoTime now) {
  if (entries_.empty() || !failingSince_)
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
  h.failing = failingSince_.has_value(); // groups waiting for the next flush are not failing
  h.waiting = entries_.size();
  h.failedCommits = failedCommits_;
  h.lastError = lastError_;
  h.failingSince = failingSince_;
  return h;
}

} // namespace mcpwatch::app
