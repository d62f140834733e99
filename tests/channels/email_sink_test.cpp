// Tests of the email sink (being written).
#include "channels/email_sink.hpp"
