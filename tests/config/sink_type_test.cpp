// The loader reads `sinks:` only through the sink types it is given: a type unknown to the config
// module is added with its settings struct and its parser, nothing else.
#include "config/loader.hpp"
#include "config/sink_type.hpp"
#include "tests/config/test_support.hpp"

namespace mcpwatch::config {
namespace {

using test::envOf;

// A sink type the config module has never heard of.
struct PagerSinkConfig {
  static constexpr std::string_view kType = "pager";
  static constexpr bool kReminders = false;
  std::string number;
  bool drift = false;
  bool receivesSchemaDrift() const { return drift; }
  friend bool operator==(const PagerSinkConfig&, const PagerSinkConfig&) = default;
};

SinkType pagerType() {
  return {"pager",
          [](Reader& in, const yaml::Node& node,
             const std::string& path) -> std::optional<SinkSettings> {
            static const std::vector<std::string_view> kKeys = {"type", "number", "drift"};
            auto f = in.fields(node, path, {&kKeys, &kSinkCommonKeys});
            if (!f)
              return std::nullopt;
            const auto before = in.errorCount();
            PagerSinkConfig pager;
            if (auto n = f->get("number")) {
              if (auto v = in.nonEmpty(*n, f->path("number")))
                pager.number = *v;
            } else {
              in.error(f->path("number"), f->line(), "is required");
            }
            if (auto n = f->get("drift"))
              if (auto v = in.boolean(*n, f->path("drift")))
                pager.drift = *v;
            if (in.errorCount() != before)
              return std::nullopt;
            return pager;
          },
          "pagers have no acknowledgement"};
}

struct MailSinkConfig {
  static constexpr std::string_view kType = "mail";
  static constexpr bool kReminders = true;
  bool receivesSchemaDrift() const { return true; }
  friend bool operator==(const MailSinkConfig&, const MailSinkConfig&) = default;
};

SinkType mailType() { // takes reminders
  return {"mail",
          [](Reader& in, const yaml::Node& node,
             const std::string& path) -> std::optional<SinkSettings> {
            static const std::vector<std::string_view> kKeys = {"type"};
            if (!in.fields(node, path, {&kKeys, &kSinkCommonKeys}))
              return std::nullopt;
            return MailSinkConfig{};
          },
          ""};
}

struct Other {
  static constexpr std::string_view kType = "other";
  static constexpr bool kReminders = true;
  std::string number = "1";
  bool receivesSchemaDrift() const { return true; }
  bool operator==(const Other&) const = default;
};

LoadResult load(std::string_view yaml) {
  static const SinkTypes types = {pagerType(), mailType()};
  return loadConfigText(yaml, "test.yaml", envOf({}), types);
}

TEST(SinkTypes, ATypeUnknownToTheConfigModuleIsReadThroughItsOwnParser) {
  auto result = load("sinks:\n"
                     "  p: {type: pager, number: '555', drift: true}\n"
                     "routes:\n"
                     "  - {sinks: [p]}\n");
  ASSERT_TRUE(result) << ::testing::PrintToString(test::errorsOf(result));
  const auto& sink = result->sinks.at("p");
  EXPECT_EQ(sink.type(), "pager");
  EXPECT_EQ(sink.settings.as<PagerSinkConfig>().number, "555");
  EXPECT_TRUE(sink.receivesSchemaDrift());
  EXPECT_FALSE(sink.supportsReminders());
  EXPECT_EQ(sink.line, 2);
}

TEST(SinkTypes, ErrorsComeFromTheTypesParserAndTheRegistry) {
  EXPECT_EQ(test::errorsOf(load("sinks:\n"
                                "  p: {type: pager, drift: maybe, color: red}\n"
                                "  w: {type: webhook}\n"
                                "  r: {type: pager, number: '1', reminder_interval: 1h}\n"
                                "  m: {type: mail, reminder_interval: 30s}\n")),
            (std::vector<std::string>{
                "sinks.p.color: unknown key (line 2)", "sinks.p.number: is required (line 2)",
                "sinks.p.drift: must be true or false, got \"maybe\" (line 2)",
                "sinks.w.type: must be one of pager, mail, got \"webhook\" (line 3)",
                "sinks.r.reminder_interval: is not supported on pager sinks: pagers have no "
                "acknowledgement (reminders are for mail sinks) (line 4)",
                "sinks.m.reminder_interval: must be between 1m and 7d, got 30s (line 5)"}));
  EXPECT_EQ(test::errorsOf(load("sinks:\n  x: {number: '1'}\n")),
            std::vector<std::string>{"sinks.x.type: is required (one of pager, mail) (line 2)"});
}

TEST(SinkTypes, ARegistryEntryThatDisagreesWithItsSettingsIsRefused) {
  SinkType liar = pagerType();
  liar.name = "beeper"; // its parser still returns pager settings
  const SinkTypes types = {liar};
  auto result =
      loadConfigText("sinks:\n  b: {type: beeper, number: '1'}\n", "test.yaml", envOf({}), types);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().front().message.find("disagree"), std::string::npos)
      << result.error().front().toString();

  SinkType forgetful = mailType();
  forgetful.noReminders = "says no"; // but its settings take reminders
  EXPECT_FALSE(
      loadConfigText("sinks:\n  m: {type: mail}\n", "test.yaml", envOf({}), SinkTypes{forgetful}));
}

TEST(SinkTypes, TheAppsRegistryAgreesWithEverySinksSettings) {
  // Each registered type's name and reminder rule are those of the settings its parser returns
  // (the loader refuses an entry that disagrees): loading one minimal entry of each proves it.
  EXPECT_TRUE(test::load(R"(sinks:
  pd: {type: pagerduty, routing_key: "0123456789abcdef0123456789abcdef"}
  hook: {type: webhook, url: "https://hooks.example.com/x"}
  chat: {type: slack, url: "https://hooks.slack.com/services/T/B/x"}
  disc: {type: discord, url: "https://discord.com/api/webhooks/1/t"}
  og: {type: opsgenie, api_key: k}
  mail: {type: email, host: smtp.example.com, from: a@example.com, to: b@example.com}
)"));
  std::vector<std::string> names;
  for (const auto& type : app::sinkTypes())
    names.push_back(type.name);
  EXPECT_EQ(names, (std::vector<std::string>{"pagerduty", "webhook", "slack", "discord", "opsgenie",
                                             "email"}));
  EXPECT_FALSE(PagerDutySinkConfig::kReminders);
  EXPECT_FALSE(OpsGenieSinkConfig::kReminders);
  EXPECT_TRUE(SlackSinkConfig::kReminders && DiscordSinkConfig::kReminders &&
              EmailSinkConfig::kReminders && WebhookSinkConfig::kReminders);
}

TEST(SinkSettings, HoldAnySinkTypesSettingsAndCompareByValue) {
  SinkSettings empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.type(), "");
  EXPECT_EQ(empty.get<PagerSinkConfig>(), nullptr);
  EXPECT_THROW((void)empty.as<PagerSinkConfig>(), std::bad_cast);

  SinkSettings a = PagerSinkConfig{"1", false};
  SinkSettings b = PagerSinkConfig{"1", false};
  SinkSettings c = PagerSinkConfig{"2", false};
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, empty);
  EXPECT_EQ(empty, SinkSettings());
  ASSERT_NE(a.get<PagerSinkConfig>(), nullptr);
  EXPECT_EQ(a.get<PagerSinkConfig>()->number, "1");
  EXPECT_EQ(a.type(), "pager");
  EXPECT_FALSE(a.receivesSchemaDrift());

  SinkSettings other = Other{};
  EXPECT_NE(a, other) << "settings of another type never compare equal";
  EXPECT_EQ(other.get<PagerSinkConfig>(), nullptr);
  EXPECT_THROW((void)other.as<PagerSinkConfig>(), std::bad_cast);
  EXPECT_TRUE(other.supportsReminders());
}

} // namespace
} // namespace mcpwatch::config
