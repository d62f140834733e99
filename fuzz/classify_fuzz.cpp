// JSON-RPC/MCP response classification: whatever a server answers (status, Content-Type,
// WWW-Authenticate, a JSON or SSE body), the probe gets a verdict and a one-line failure detail.
//
// Input: "STATUS\nCONTENT-TYPE\nWWW-AUTHENTICATE\nBODY" (readable seeds; missing lines are empty).
#include "common/strings.hpp"
#include "fuzz/fuzz_check.hpp"
#include "prober/classify.hpp"
#include "prober/fingerprint.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using namespace mcpwatch;
using namespace mcpwatch::prober;
using common::Json;

namespace {

std::string_view takeLine(std::string_view& rest) {
  auto nl = rest.find('\n');
  std::string_view line = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  return line;
}

// Details are printed on one line in logs, alerts and the status page.
void checkDetail(const std::string& detail) {
  for (unsigned char c : detail)
    FUZZ_CHECK(c >= 0x20);
  FUZZ_CHECK(common::truncateCodePoints(detail, kMaxDetailChars) == detail);
}

void checkFailure(const Failure& f) {
  checkDetail(f.detail);
  FUZZ_CHECK(!toString(f.reason).empty());
}

void checkReply(const Reply& reply) {
  if (reply.kind == Reply::Kind::Failure)
    checkFailure(reply.failure);
  checkFailure(replyFailure("tools/list page 2", reply));

  static const std::vector<std::string> accepted = {"2026-07-28", "2025-11-25", "2025-06-18",
                                                    "2025-03-26", "2024-11-05"};
  static const std::vector<std::string> tried = {"2025-11-25"};
  auto init = decideInitialize(reply, accepted, tried);
  if (init.failure)
    checkFailure(*init.failure);
  if (init.verdict == InitializeDecision::Verdict::RetryVersion)
    FUZZ_CHECK(init.version && versionAccepted(*init.version, accepted) &&
               !versionAccepted(*init.version, tried));
  auto discover = decideDiscover(reply, "2026-07-28", accepted, {"2026-07-28"});
  if (discover.failure)
    checkFailure(*discover.failure);
  (void)isSessionLost(reply);

  if (reply.kind == Reply::Kind::Result) {
    (void)initializeResultProblem(reply.result);
    (void)discoverResultProblem(reply.result);
    if (reply.result.is_object()) {
      auto tools = reply.result.find("tools");
      if (tools != reply.result.end() && tools->is_array()) {
        std::vector<Json> list(tools->begin(), tools->end());
        auto summary = fingerprintTools(list);
        FUZZ_CHECK(summary.fingerprint.starts_with("sha256:"));
      }
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::string_view statusText = takeLine(rest);
  HttpReply http;
  for (char c : statusText.substr(0, 3))
    http.status = (c >= '0' && c <= '9') ? http.status * 10 + (c - '0') : http.status;
  http.contentType = std::string(takeLine(rest));
  std::string_view auth = takeLine(rest);
  if (!auth.empty())
    http.wwwAuthenticate.emplace_back(auth);
  http.body = std::string(rest);

  const Json expectedId = 1;
  checkReply(classifyHttpReply("initialize", http, expectedId, common::kDefaultMaxJsonDepth));
  if (auto failure = terminalStatusFailure("initialize", http.status, http.wwwAuthenticate))
    checkFailure(*failure);
  for (const auto& challenge : parseWwwAuthenticate(auth))
    FUZZ_CHECK(!challenge.scheme.empty());
  (void)resourceMetadataFrom(http.wwwAuthenticate);
  checkDetail(bodyExcerpt(http.body, http.contentType));

  // The same body as an SSE response stream, fed in uneven pieces.
  SseMessageReader reader(64 * 1024, common::kDefaultMaxJsonDepth);
  std::string_view body = http.body;
  std::size_t piece = 1;
  while (!body.empty()) {
    reader.feed(body.substr(0, piece));
    body.remove_prefix(std::min(piece, body.size()));
    piece = piece * 3 % 61 + 1;
    while (auto answer = reader.takeAnswer("tools/list", expectedId))
      checkReply(*answer);
  }
  while (auto event = reader.nextEvent())
    (void)event;

  std::string name = encodeMcpNameHeader(auth);
  for (unsigned char c : name)
    FUZZ_CHECK(c >= 0x20 && c <= 0x7E);
  return 0;
}
