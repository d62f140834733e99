#include "channels/opsgenie_config.hpp"

#include "common/strings.hpp"

#include <algorithm>

namespace mcpwatch::channels {
namespace {

using Node = config::yaml::Node;
using config::index;
using config::kSinkCommonKeys;
using config::kSinkTimeoutRange;

std::optional<OpsGeniePriority> opsGeniePriority(config::Reader& in, const Node& node,
                                                 const std::string& path) {
  return in.choice<OpsGeniePriority>(node, path,
                                     {{"P1", OpsGeniePriority::P1},
                                      {"P2", OpsGeniePriority::P2},
                                      {"P3", OpsGeniePriority::P3},
                                      {"P4", OpsGeniePriority::P4},
                                      {"P5", OpsGeniePriority::P5}});
}

std::vector<OpsGenieResponder> responders(config::Reader& in, const Node& node,
                                          const std::string& path) {
  std::vector<OpsGenieResponder> out;
  auto items = in.sequence(node, path);
  if (!items)
    return out;
  static const std::vector<std::string_view> kKeys = {"type", "name"};
  for (std::size_t i = 0; i < items->size(); ++i) {
    const std::string itemPath = index(path, i);
    auto f = in.fields((*items)[i], itemPath, {&kKeys});
    if (!f)
      continue;
    OpsGenieResponder r;
    if (auto n = f->get("type")) {
      if (auto v = in.choice<std::string>(*n, f->path("type"),
                                          {{"team", "team"},
                                           {"user", "user"},
                                           {"escalation", "escalation"},
                                           {"schedule", "schedule"}}))
        r.type = *v;
    } else {
      in.error(f->path("type"), f->line(), "is required (team, user, escalation or schedule)");
    }
    if (auto n = f->get("name")) {
      if (auto v = in.nonEmpty(*n, f->path("name")))
        r.name = *v;
    } else {
      in.error(f->path("name"), f->line(), "is required");
    }
    if (!r.type.empty() && !r.name.empty())
      out.push_back(std::move(r));
  }
  return out;
}

std::optional<config::SinkSettings> parse(config::Reader& in, const Node& node,
                                          const std::string& path) {
  static const std::vector<std::string_view> kKeys = {
      "type",   "api_key", "region",     "api_url",      "priority", "drift_priority",
      "source", "tags",    "responders", "dedup_prefix", "timeout",  "schema_drift"};
  auto f = in.fields(node, path, {&kKeys, &kSinkCommonKeys});
  if (!f)
    return std::nullopt;
  std::size_t before = in.errorCount();
  OpsGenieSinkConfig og;
  if (auto n = f->get("api_key")) {
    if (auto v = in.secret(*n, f->path("api_key")))
      og.apiKey = std::move(*v);
  } else {
    in.error(f->path("api_key"), f->line(), "is required (an API integration key)");
  }
  auto regionNode = f->get("region");
  auto urlNode = f->get("api_url");
  if (regionNode && urlNode) {
    in.error(f->path("api_url"), *urlNode, "set either region or api_url, not both");
  } else if (regionNode) {
    if (auto v = in.choice<std::string_view>(*regionNode, f->path("region"),
                                             {{"us", kOpsGenieUsUrl}, {"eu", kOpsGenieEuUrl}}))
      og.apiUrl = std::string(*v);
  } else if (urlNode) {
    if (auto v = in.url(*urlNode, f->path("api_url"))) {
      std::string base = *v;
      while (!base.empty() && base.back() == '/')
        base.pop_back();
      og.apiUrl = base;
    }
  }
  if (auto n = f->get("priority"))
    if (auto v = opsGeniePriority(in, *n, f->path("priority")))
      og.priority = *v;
  if (auto n = f->get("drift_priority"))
    if (auto v = opsGeniePriority(in, *n, f->path("drift_priority")))
      og.driftPriority = *v;
  if (auto n = f->get("source")) {
    if (auto v = in.nonEmpty(*n, f->path("source"))) {
      if (common::truncateCodePoints(*v, 100) != *v)
        in.error(f->path("source"), *n, "must be at most 100 characters");
      else
        og.source = *v;
    }
  }
  if (auto n = f->get("dedup_prefix"))
    if (auto v = in.dedupPrefix(*n, f->path("dedup_prefix")))
      og.dedupPrefix = *v;
  if (auto n = f->get("tags")) {
    if (auto items = in.stringList(*n, f->path("tags"))) {
      for (std::size_t i = 0; i < items->size(); ++i) {
        auto& [tag, item] = (*items)[i];
        if (tag.empty() || common::truncateCodePoints(tag, 50) != tag)
          in.error(index(f->path("tags"), i), item, "a tag must have 1 to 50 characters");
        else if (std::find(og.tags.begin(), og.tags.end(), tag) == og.tags.end())
          og.tags.push_back(tag);
      }
      if (og.tags.size() > 10)
        in.error(f->path("tags"), *n, "at most 10 tags (OpsGenie keeps 20, the server's tags too)");
    }
  }
  if (auto n = f->get("responders"))
    og.responders = responders(in, *n, f->path("responders"));
  if (auto n = f->get("schema_drift"))
    if (auto v = in.boolean(*n, f->path("schema_drift")))
      og.schemaDrift = *v;
  if (auto n = f->get("timeout"))
    if (auto v = in.duration(*n, f->path("timeout"), kSinkTimeoutRange))
      og.timeout = *v;
  if (in.errorCount() != before)
    return std::nullopt;
  return og;
}

} // namespace

std::string_view toString(OpsGeniePriority priority) {
  switch (priority) {
  case OpsGeniePriority::P1:
    return "P1";
  case OpsGeniePriority::P2:
    return "P2";
  case OpsGeniePriority::P3:
    return "P3";
  case OpsGeniePriority::P4:
    return "P4";
  case OpsGeniePriority::P5:
    return "P5";
  }
  return "P1";
}

config::SinkType opsGenieSinkType() {
  return {"opsgenie", parse,
          "OpsGenie re-notifies through its escalation and notification policies until someone "
          "acknowledges"};
}

} // namespace mcpwatch::channels
