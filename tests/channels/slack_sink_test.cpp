// Tests of the slack sink (being written).
#include "channels/slack_sink.hpp"
