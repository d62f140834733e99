// The npm SMTP server peer (being written).
#pragma once
