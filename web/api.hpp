// JSON shapes of the public and admin API (documented in docs/api.md).
#pragma once

#include "common/json.hpp"
#include "store/records.hpp"
#include "web/pages.hpp"

#include <string>

namespace mcpwatch::web {

// Dumps with invalid UTF-8 replaced (text from probed servers may carry any bytes).
std::string dumpJson(const common::Json& json);

// {"24h", "7d", "30d", "90d"}: ratios, null when unknown (the API and the embed).
common::Json uptimeJson(const ServerSummary& summary);
// `admin` adds url and public (never shown unauthenticated).
common::Json serverJson(const ServerSummary& summary, bool admin, common::WallTime now);
common::Json detailJson(const Detail& detail, bool admin);
// A failure detail as anonymous visitors see it: only the HTTP status ("HTTP 503") when the
// detail names one, else empty. Details may name internal hosts, ports, URLs and response
// bodies; the full text is for admin answers (and alerts) only.
std::string publicDetail(std::string_view detail);
// `admin` false: details through publicDetail.
common::Json checkJson(const store::CheckRecord& check, bool admin);
common::Json incidentJson(const store::IncidentRecord& incident, common::WallTime now, bool admin);
common::Json maintenanceJson(const store::MaintenanceRecord& record, common::WallTime now);
// An incident with its notes (GET /api/v1/incidents/{id}); anonymous answers (`admin` false)
// carry only the public notes, without their author.
common::Json incidentDetailJson(const store::IncidentRecord& incident,
                                const std::vector<store::IncidentNote>& notes, common::WallTime now,
                                bool admin);
common::Json noteJson(const store::IncidentNote& note, bool admin);

// PATCH /api/v1/admin/incidents/{id}: {"title": "..."} (at most 200 bytes; "" or null clears).
Result<std::string> parseIncidentTitle(std::string_view body);
// POST /api/v1/admin/incidents/{id}/notes: {"text": "...", "public": true} (text 1..4000 bytes
// after trimming; public defaults to true).
struct NoteRequest {
  std::string text;
  bool isPublic = true;
};
Result<NoteRequest> parseNoteRequest(std::string_view body);

// A POST /api/v1/admin/maintenance body, validated: {"servers": [...], "tags": [...],
// "all": true, "duration": "30m" | "start"/"end" RFC 3339, "comment": "..."}.
struct MaintenanceRequest {
  detector::WindowTarget target;
  common::WallTime start;
  common::WallTime end;
  std::string comment;
};
Result<MaintenanceRequest> parseMaintenanceRequest(std::string_view body, common::WallTime now);
// The stored form; selectorJson is {"servers": [...], "tags": [...]} (both empty = all), the form
// the daemon restores at start (durable::windowFromRecord).
store::MaintenanceRecord toRecord(const MaintenanceRequest& request, std::string id,
                                  std::string createdBy);

} // namespace mcpwatch::web
