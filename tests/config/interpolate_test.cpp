// `${VAR}` substitution on its own: present, missing, escaped, malformed.
#include "config/interpolate.hpp"
#include "tests/config/test_support.hpp"

namespace mcpwatch::config {
namespace {

using test::envOf;

std::string ok(std::string_view text, const EnvLookup& env) {
  auto r = interpolateEnv(text, env);
  EXPECT_TRUE(r) << (r ? "" : r.error());
  return r ? r.value() : std::string();
}

std::string err(std::string_view text, const EnvLookup& env) {
  auto r = interpolateEnv(text, env);
  EXPECT_FALSE(r);
  return r ? std::string() : r.error();
}

TEST(Interpolate, SubstitutesEveryReference) {
  auto env = envOf({{"A", "1"}, {"B_2", "two"}, {"EMPTY", ""}});
  EXPECT_EQ(ok("plain", env), "plain");
  EXPECT_EQ(ok("", env), "");
  EXPECT_EQ(ok("${A}", env), "1");
  EXPECT_EQ(ok("x${A}y${B_2}z", env), "x1ytwoz");
  EXPECT_EQ(ok("[${EMPTY}]", env), "[]");
}

TEST(Interpolate, EscapesAndLoneDollarsStayLiteral) {
  auto env = envOf({{"A", "1"}});
  EXPECT_EQ(ok("$${A}", env), "${A}");
  EXPECT_EQ(ok("$$${A}", env), "$${A}");
  EXPECT_EQ(ok("cost $5, $A, $", env), "cost $5, $A, $");
  EXPECT_EQ(ok("$${unterminated", env), "${unterminated");
}

TEST(Interpolate, SubstitutedValuesAreNotScannedAgain) {
  auto env = envOf({{"A", "${B}"}, {"B", "no"}});
  EXPECT_EQ(ok("${A}", env), "${B}");
}

TEST(Interpolate, MissingVariableIsNamed) {
  EXPECT_EQ(err("Bearer ${TOKEN}", envOf({})), "environment variable TOKEN is not set");
  EXPECT_EQ(err("${A}${B}", envOf({{"A", "x"}})), "environment variable B is not set");
  EXPECT_EQ(err("${A}", EnvLookup{}), "environment variable A is not set");
}

TEST(Interpolate, MalformedReferencesAreErrorsWithoutTheText) {
  auto env = envOf({});
  EXPECT_EQ(err("secret ${OPEN", env), "unterminated \"${\" (write \"$${\" for a literal)");
  for (std::string text : {"${}", "${1A}", "${A-B}", "${secret value}"}) {
    std::string e = err(text, env);
    EXPECT_TRUE(e.starts_with("invalid environment variable reference")) << e;
    EXPECT_EQ(e.find("secret"), std::string::npos);
  }
}

TEST(Interpolate, ProcessEnvironmentReadsRealVariables) {
  ::setenv("MCPWATCH_CONFIG_TEST_VAR", "from-process", 1);
  auto env = processEnvironment();
  EXPECT_EQ(env("MCPWATCH_CONFIG_TEST_VAR"), "from-process");
  ::unsetenv("MCPWATCH_CONFIG_TEST_VAR");
  EXPECT_EQ(env("MCPWATCH_CONFIG_TEST_VAR"), std::nullopt);
}

} // namespace
} // namespace mcpwatch::config
