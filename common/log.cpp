// Structured log lines for people (text) and machines (JSON lines).
#include "common/log.hpp"

#include "common/time.hpp"

#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace mcpwatch::common {
namespace {

LogFormat gFormat = LogFormat::Text;
// Marks a payload that logRecord() already built as a complete JSON line.
constexpr char kJsonMarker = '\x1f';

// JSON-lines formatter: every line is one JSON object, including lines that other modules log
// with plain spdlog calls (wrapped as {"time","level","msg"}).
class JsonLineFormatter final : public spdlog::formatter {
public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    std::string line;
    if (!payload.empty() && payload.front() == kJsonMarker) {
      line.assign(payload.substr(1));
    } else {
      common::Json j = common::Json::object();
      j["time"] = common::formatRfc3339Millis(msg.time);
      auto level = spdlog::level::to_string_view(msg.level);
      j["level"] = std::string(level.data(), level.size());
      j["msg"] = std::string(payload);
      line = j.dump(-1, ' ', false, common::Json::error_handler_t::replace);
    }
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonLineFormatter>();
  }
};

std::string textValue(const common::Json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s.empty() || s.find_first_of(" \t\"=") != std::string::npos)
      return v.dump();
    return s;
  }
  return v.dump();
}

} // namespace

void setupLogging(std::string_view level, LogFormat format) {
  setupLogging(level, format, std::make_shared<spdlog::sinks::stderr_sink_mt>());
}

void setupLogging(std::string_view level, LogFormat format, spdlog::sink_ptr sink) {
  gFormat = format;
  auto logger = std::make_shared<spdlog::logger>("mcpwatch", std::move(sink));
  if (format == LogFormat::Json)
    logger->set_formatter(std::make_unique<JsonLineFormatter>());
  else
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %-5l %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(std::string(level)));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

void logRecord(spdlog::level::level_enum level, std::string_view msg, const common::Json& fields) {
  if (!spdlog::should_log(level))
    return;
  if (gFormat == LogFormat::Json) {
    common::Json line = common::Json::object();
    line["time"] = common::formatRfc3339Millis(std::chrono::system_clock::now());
    line["level"] = std::string(spdlog::level::to_string_view(level).data(),
                                spdlog::level::to_string_view(level).size());
    line["msg"] = msg;
    if (fields.is_object())
      for (auto it = fields.begin(); it != fields.end(); ++it)
        line[it.key()] = it.value();
    spdlog::log(level, "{}{}", kJsonMarker,
                line.dump(-1, ' ', false, common::Json::error_handler_t::replace));
    return;
  }
  std::string text(msg);
  if (fields.is_object())
    for (auto it = fields.begin(); it != fields.end(); ++it) {
      text += ' ';
      text += it.key();
      text += '=';
      text += textValue(it.value());
    }
  spdlog::log(level, "{}", text);
}

} // namespace mcpwatch::common
