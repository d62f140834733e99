// Tests of the discord sink (being written).
#include "channels/discord_sink.hpp"
