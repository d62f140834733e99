// Strict fake of discord (being written).
#include "tests/fakes/fake_discord.hpp"
