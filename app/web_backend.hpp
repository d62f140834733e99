// The real web::WebBackend: live server state and admin actions from the daemon and alerting.
#pragma once

#include "alerting/alerting.hpp"
#include "app/daemon.hpp"
#include "store/store.hpp"
#include "web/backend.hpp"

namespace mcpwatch::app {

class DaemonWebBackend final : public web::WebBackend {
public:
  DaemonWebBackend(Daemon& daemon, alerting::Alerting& alerting, store::Store& store,
                   common::Clock& clock)
      : daemon_(daemon), alerting_(alerting), store_(store), clock_(clock) {}

  std::vector<web::ServerView> servers() override;
  std::optional<web::ServerView> server(std::string_view slug) override;
  web::Readiness ready() override;
  web::Done addMaintenance(detector::MaintenanceWindow window) override;
  web::Done endMaintenance(std::string_view id, common::WallTime at) override;
  web::Result<std::string> acceptBaseline(std::string_view slug) override;
  web::Done pause(std::string_view slug) override;
  web::Done resume(std::string_view slug) override;
  Awaitable<web::Result<std::string>> testAlert(web::TestAlertRequest request) override;
  std::optional<web::Result<common::Json>> deliveries(std::string_view state) override;
  std::optional<web::OutboxStats> outboxStats() override;

private:
  web::ServerView view(const config::ServerConfig& server) const;

  Daemon& daemon_;
  alerting::Alerting& alerting_;
  store::Store& store_;
  common::Clock& clock_;
};

} // namespace mcpwatch::app
