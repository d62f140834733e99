// Strict fake of opsgenie (being written).
#pragma once
