// Strict fake of slack (being written).
#include "tests/fakes/fake_slack.hpp"
