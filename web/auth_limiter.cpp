// Wrong-token counting per client with a sliding window.
#include "web/auth_limiter.hpp"

#include <algorithm>

namespace mcpwatch::web {

void AuthFailureLimiter::forgetOld(std::deque<common::WallTime>& failures,
                                   common::WallTime now) const {
  while (!failures.empty() && failures.front() + limits_.window <= now)
    failures.pop_front();
}

std::optional<std::chrono::seconds> AuthFailureLimiter::refused(const std::string& client,
                                                                common::WallTime now) {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(client);
  if (it == failures_.end())
    return std::nullopt;
  forgetOld(it->second, now);
  if (it->second.empty()) {
    failures_.erase(it);
    return std::nullopt;
  }
  auto count = it->second.size();
  if (count < static_cast<std::size_t>(limits_.maxFailures))
    return std::nullopt;
  // Free again once enough failures have aged out of the window to go below the limit.
  auto freeAt = it->second[count - static_cast<std::size_t>(limits_.maxFailures)] + limits_.window;
  auto wait = std::chrono::ceil<std::chrono::seconds>(freeAt - now);
  return std::max(wait, std::chrono::seconds(1));
}

void AuthFailureLimiter::failed(const std::string& client, common::WallTime now) {
  std::lock_guard lock(mutex_);
  if (!failures_.contains(client) && failures_.size() >= limits_.maxClients)
    makeRoom(now);
  auto& list = failures_[client];
  forgetOld(list, now);
  list.push_back(now);
  // Only the newest maxFailures matter for the decision.
  while (list.size() > static_cast<std::size_t>(limits_.maxFailures))
    list.pop_front();
}

void AuthFailureLimiter::succeeded(const std::string& client) {
  std::lock_guard lock(mutex_);
  failures_.erase(client);
}

std::size_t AuthFailureLimiter::clients() const {
  std::lock_guard lock(mutex_);
  return failures_.size();
}

void AuthFailureLimiter::makeRoom(common::WallTime now) {
  for (auto it = failures_.begin(); it != failures_.end();) {
    forgetOld(it->second, now);
    it = it->second.empty() ? failures_.erase(it) : std::next(it);
  }
  if (failures_.size() < limits_.maxClients)
    return;
  // Still full: forget the client whose latest failure is oldest.
  auto oldest =
      std::min_element(failures_.begin(), failures_.end(), [](const auto& a, const auto& b) {
        return a.second.back() < b.second.back();
      });
  failures_.erase(oldest);
}

} // namespace mcpwatch::web
