// The delivery retry rule (STYLE.md habit 4: retries are data, computed by a pure function).
#include "alerting/retry.hpp"

#include "common/strings.hpp"
#include "common/time.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <ctime>

namespace mcpwatch::alerting {

std::string_view toString(AttemptOutcome outcome) {
  switch (outcome) {
  case AttemptOutcome::Delivered:
    return "delivered";
  case AttemptOutcome::Retry:
    return "retry";
  case AttemptOutcome::Permanent:
    return "permanent";
  case AttemptOutcome::Revoked:
    return "revoked";
  }
  return "unknown";
}

std::string_view toString(NextKind kind) {
  switch (kind) {
  case NextKind::Delivered:
    return "delivered";
  case NextKind::RetryAt:
    return "retry";
  case NextKind::Permanent:
    return "failed";
  case NextKind::DeadLetter:
    return "dead";
  }
  return "unknown";
}

std::string describeAnswer(const AttemptResult& result) {
  if (!result.answer.empty())
    return result.answer;
  if (result.status)
    return "HTTP " + std::to_string(*result.status);
  // Refused before anything was sent (a bad URL, a revoked destination) or no answer at all.
  return result.outcome == AttemptOutcome::Permanent || result.outcome == AttemptOutcome::Revoked
             ? std::string("not sent")
             : std::string("no answer");
}

AttemptResult AttemptResult::delivered(std::string answer) {
  AttemptResult r;
  r.outcome = AttemptOutcome::Delivered;
  r.answer = std::move(answer);
  return r;
}

AttemptResult AttemptResult::retry(std::string error, std::optional<std::string> retryAfter) {
  AttemptResult r;
  r.outcome = AttemptOutcome::Retry;
  r.error = std::move(error);
  r.retryAfter = std::move(retryAfter);
  return r;
}

AttemptResult AttemptResult::permanent(std::string reason) {
  AttemptResult r;
  r.outcome = AttemptOutcome::Permanent;
  r.error = std::move(reason);
  return r;
}

AttemptResult AttemptResult::revoked(std::string reason) {
  AttemptResult r;
  r.outcome = AttemptOutcome::Revoked;
  r.error = std::move(reason);
  return r;
}

AttemptResult AttemptResult::fromHttp(int status, std::optional<std::string> retryAfter,
                                      std::string error) {
  AttemptResult r;
  r.status = status;
  r.retryAfter = std::move(retryAfter);
  if (status >= 200 && status < 300)
    r.outcome = AttemptOutcome::Delivered;
  else if ((status >= 300 && status < 400) || status == 408 || status == 429 || status >= 500)
    r.outcome = AttemptOutcome::Retry;
  else
    r.outcome = AttemptOutcome::Permanent;
  if (r.outcome != AttemptOutcome::Delivered)
    r.error = std::move(error);
  return r;
}

NextStep nextStep(const RetryPolicy& policy, AttemptOutcome outcome, int attemptsMade,
                  common::WallTime firstAttempt, common::WallTime now,
                  const std::optional<std::string>& retryAfter) {
  if (outcome == AttemptOutcome::Delivered)
    return {NextKind::Delivered, {}};
  if (outcome == AttemptOutcome::Permanent || outcome == AttemptOutcome::Revoked)
    return {NextKind::Permanent, {}};
  if (policy.schedule.empty())
    return {NextKind::DeadLetter, {}};
  const auto index = static_cast<std::size_t>(std::max(attemptsMade, 1) - 1);
  const Duration wait = policy.schedule[std::min(index, policy.schedule.size() - 1)];
  const common::WallTime deadline = common::addSaturating(firstAttempt, policy.giveUpAfter);
  common::WallTime at = common::addSaturating(now, wait);
  if (at > deadline)
    return {NextKind::DeadLetter, {}};
  if (retryAfter) {
    if (auto delay = parseRetryAfter(*retryAfter, now))
      at = std::min(std::max(at, common::addSaturating(now, *delay)), deadline);
  }
  return {NextKind::RetryAt, at};
}

namespace {

std::optional<int> monthIndex(std::string_view m) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (std::size_t i = 0; i < kMonths.size(); ++i)
    if (common::iequals(kMonths[i], m))
      return static_cast<int>(i);
  return std::nullopt;
}

std::optional<int> number(std::string_view s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty())
    return std::nullopt;
  return v;
}

// "08:49:37" -> seconds of the day.
std::optional<int> clockTime(std::string_view s) {
  auto parts = common::split(s, ':');
  if (parts.size() != 3)
    return std::nullopt;
  auto h = number(parts[0]), m = number(parts[1]), sec = number(parts[2]);
  if (!h || !m || !sec || *h > 23 || *m > 59 || *sec > 60)
    return std::nullopt;
  return *h * 3600 + *m * 60 + *sec;
}

std::optional<common::WallTime> httpDate(std::string_view text) {
  std::vector<std::string_view> tokens;
  for (auto t : common::split(text, ' '))
    if (!t.empty())
      tokens.push_back(t);
  int day = 0, month = 0, year = 0, secs = 0;
  if (tokens.size() == 6 && tokens[5] == "GMT") { // Sun, 06 Nov 1994 08:49:37 GMT
    auto d = number(tokens[1]);
    auto m = monthIndex(tokens[2]);
    auto y = number(tokens[3]);
    auto t = clockTime(tokens[4]);
    if (!d || !m || !y || !t)
      return std::nullopt;
    day = *d, month = *m, year = *y, secs = *t;
  } else if (tokens.size() == 4 && tokens[3] == "GMT") { // Sunday, 06-Nov-94 08:49:37 GMT
    auto parts = common::split(tokens[1], '-');
    if (parts.size() != 3)
      return std::nullopt;
    auto d = number(parts[0]);
    auto m = monthIndex(parts[1]);
    auto y = number(parts[2]);
    auto t = clockTime(tokens[2]);
    if (!d || !m || !y || !t)
      return std::nullopt;
    day = *d, month = *m, year = *y < 70 ? 2000 + *y : (*y < 100 ? 1900 + *y : *y), secs = *t;
  } else if (tokens.size() == 5) { // Sun Nov  6 08:49:37 1994
    auto m = monthIndex(tokens[1]);
    auto d = number(tokens[2]);
    auto t = clockTime(tokens[3]);
    auto y = number(tokens[4]);
    if (!d || !m || !y || !t)
      return std::nullopt;
    day = *d, month = *m, year = *y, secs = *t;
  } else {
    return std::nullopt;
  }
  // Dates past 2200 would overflow the nanosecond clock in from_time_t (year 9999 did): such a
  // Retry-After is ignored like any other unusable one.
  if (day < 1 || day > 31 || year < 1970 || year > common::kMaxSupportedYear)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month;
  tm.tm_mday = day;
  const std::time_t base = timegm(&tm);
  if (base == static_cast<std::time_t>(-1))
    return std::nullopt;
  return std::chrono::system_clock::from_time_t(base) + std::chrono::seconds(secs);
}

} // namespace

std::optional<Duration> parseRetryAfter(std::string_view value, common::WallTime now) {
  value = common::trim(value);
  if (value.empty())
    return std::nullopt;
  if (value.find_first_not_of("0123456789") == std::string_view::npos) {
    if (value.size() > 9) // beyond any give-up horizon; avoids overflow
      return Duration(std::chrono::hours(24 * 365 * 30));
    return std::chrono::duration_cast<Duration>(std::chrono::seconds(*number(value)));
  }
  auto at = httpDate(value);
  if (!at)
    return std::nullopt;
  if (*at <= now)
    return Duration(0);
  return std::chrono::duration_cast<Duration>(*at - now);
}

} // namespace mcpwatch::alerting
