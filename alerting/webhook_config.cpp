#include "alerting/webhook_config.hpp"

namespace mcpwatch::alerting {
namespace {

using Node = config::yaml::Node;
using config::isBase64;
using config::isHeaderName;
using config::kSinkCommonKeys;
using config::kSinkTimeoutRange;
using config::quote;

std::optional<config::SinkSettings> parse(config::Reader& in, const Node& node,
                                          const std::string& path) {
  static const std::vector<std::string_view> kKeys = {"type",    "url",     "secret",
                                                      "headers", "timeout", "signature_header"};
  auto f = in.fields(node, path, {&kKeys, &kSinkCommonKeys});
  if (!f)
    return std::nullopt;
  std::size_t before = in.errorCount();
  WebhookSinkConfig hook;
  if (auto n = f->get("url")) {
    if (auto v = in.url(*n, f->path("url")))
      hook.url = *v;
  } else {
    in.error(f->path("url"), f->line(), "is required");
  }
  if (auto n = f->get("secret")) {
    if (auto v = in.secret(*n, f->path("secret"))) {
      constexpr std::string_view kPrefix = "whsec_";
      if (v->reveal().starts_with(kPrefix) &&
          !isBase64(std::string_view(v->reveal()).substr(kPrefix.size())))
        in.error(f->path("secret"), *n, "a whsec_ secret must be base64 after the prefix");
      else
        hook.secret = std::move(*v);
    }
  }
  if (auto n = f->get("signature_header")) {
    if (auto v = in.nonEmpty(*n, f->path("signature_header"))) {
      if (!isHeaderName(*v))
        in.error(f->path("signature_header"), *n, "invalid header name " + quote(*v));
      else
        hook.signatureHeader = *v;
    }
  }
  if (auto n = f->get("headers"))
    hook.headers = in.headers(*n, f->path("headers"));
  if (auto n = f->get("timeout"))
    if (auto v = in.duration(*n, f->path("timeout"), kSinkTimeoutRange))
      hook.timeout = *v;
  if (in.errorCount() != before)
    return std::nullopt;
  return hook;
}

} // namespace

config::SinkType webhookSinkType() {
  return {"webhook", parse, ""};
}

} // namespace mcpwatch::alerting
