// Tool-schema fingerprints: canonical JSON per tool and SHA-256 (the detector diffs them).
#pragma once

#include "common/json.hpp"
#include "prober/probe.hpp"

#include <string>
#include <vector>

namespace mcpwatch::prober {

// Serialisation with object keys sorted (by UTF-8 bytes) and no insignificant whitespace.
std::string canonicalJson(const common::Json& value);

// The fields of one tool that define its schema (name, title, description, inputSchema,
// outputSchema, annotations, execution, icons) as canonical JSON. `execution.taskSupport:
// "forbidden"` is the default and only 2025-11-25 sends it, so it is left out (an empty
// `execution` with it): the same tools listed in another era keep their fingerprint.
std::string canonicalTool(const common::Json& tool);
// The same as earlier mcpwatch versions computed it (with every `execution` field as sent).
std::string formerCanonicalTool(const common::Json& tool);

// Fingerprint of a full tool list: per-tool hashes sorted by name and the overall
// "sha256:<hex>" over the sorted canonical tools. Tools without a string name are skipped.
// `formerFingerprint` is set when the former canonical form gives another fingerprint.
ToolsSummary fingerprintTools(const std::vector<common::Json>& tools);

} // namespace mcpwatch::prober
