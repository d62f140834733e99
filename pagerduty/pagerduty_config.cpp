#include "pagerduty/pagerduty_config.hpp"

namespace mcpwatch::pagerduty {
namespace {

using Node = config::yaml::Node;
using config::child;
using config::kSinkCommonKeys;
using config::kSinkTimeoutRange;
using config::quote;

std::optional<config::SinkSettings> parse(config::Reader& in, const Node& node,
                                          const std::string& path) {
  static const std::vector<std::string_view> kKeys = {"type",          "routing_key",  "severity",
                                                      "source",        "dedup_prefix", "events_url",
                                                      "change_events", "timeout"};
  auto f = in.fields(node, path, {&kKeys, &kSinkCommonKeys});
  if (!f)
    return std::nullopt;
  std::size_t before = in.errorCount();
  PagerDutySinkConfig pd;
  if (auto n = f->get("routing_key")) {
    if (auto v = in.secret(*n, f->path("routing_key"))) {
      if (v->size() != 32)
        in.error(f->path("routing_key"), *n, "must be 32 characters");
      else
        pd.routingKey = std::move(*v);
    }
  } else {
    in.error(f->path("routing_key"), f->line(), "is required");
  }
  if (auto n = f->get("severity"))
    if (auto v = in.severity(*n, f->path("severity")))
      pd.severity = *v;
  if (auto n = f->get("source"))
    if (auto v = in.nonEmpty(*n, f->path("source")))
      pd.source = *v;
  if (auto n = f->get("dedup_prefix"))
    if (auto v = in.dedupPrefix(*n, f->path("dedup_prefix")))
      pd.dedupPrefix = *v;
  if (auto n = f->get("events_url"))
    if (auto v = in.url(*n, f->path("events_url")))
      pd.eventsUrl = *v;
  if (auto n = f->get("change_events"))
    if (auto v = in.boolean(*n, f->path("change_events")))
      pd.changeEvents = *v;
  if (auto n = f->get("timeout"))
    if (auto v = in.duration(*n, f->path("timeout"), kSinkTimeoutRange))
      pd.timeout = *v;
  if (in.errorCount() != before)
    return std::nullopt;
  return pd;
}

} // namespace

config::SinkType pagerDutySinkType() {
  return {"pagerduty", parse,
          "PagerDuty re-notifies through the service's escalation policy until someone "
          "acknowledges"};
}

} // namespace mcpwatch::pagerduty
