// Strict fake of opsgenie (being written).
#include "tests/fakes/fake_opsgenie.hpp"
