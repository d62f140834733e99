// Tests of the opsgenie sink (being written).
#include "channels/opsgenie_sink.hpp"
