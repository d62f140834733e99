// The npm SMTP server peer (being written).
#include "tests/support/smtp_peer.hpp"
