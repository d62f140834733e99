// Strict fake of discord (being written).
#pragma once
