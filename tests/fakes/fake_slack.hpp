// Strict fake of slack (being written).
#pragma once
