// What start-up restores from the store, read once and decided by durable::recover.
#pragma once

#include "common/time.hpp"
#include "config/config.hpp"
#include "detector/detector.hpp"
#include "durable/recovery.hpp"
#include "store/store.hpp"

namespace mcpwatch::app {

struct Startup {
  durable::Recovery recovery;
  // Whether the stored baselines could be read (then a server without one has none); otherwise
  // each is read on its server's first probe that needs it.
  bool baselinesKnown = false;
};

// Reads the admin-API maintenance windows, server states and baselines (what cannot be read is
// logged and counts as empty), and hands them to durable::recover for the enabled servers of
// `config`. The rows are dropped on return (at fleet size they are hundreds of MB).
Startup readStartup(store::Store& store, const config::Config& config, common::WallTime now,
                    const detector::IdGenerator& ids);

} // namespace mcpwatch::app
