#include "host/admin/admin_service.h"

#include <spdlog/spdlog.h>

#include "host/adapter/adapter_client.h"
#include "host/metrics/metrics.h"
#include "host/session/dispatcher.h"
#include "host/reload/reloader.h"

namespace exproto::host {

namespace pb = exproto::admin::v1;

grpc::Status AdminService::Status(grpc::ServerContext*, const pb::StatusRequest*, pb::StatusReply* reply) {
  reply->set_host_version(EXPROTO_HOST_VERSION);
  reply->set_ready(adapter_ == nullptr || adapter_->ready());
  reply->set_sessions(dispatcher_.session_count());
  for (const auto& a : adapter_ ? adapter_->status() : decltype(adapter_->status()){}) {
    auto* out = reply->add_adapter();
    out->set_address(a.address);
    out->set_state(a.state);
    out->set_since_ms(a.since_ms);
  }
  for (const auto& c : reloader_.status()) {
    auto* codec = reply->add_codecs();
    codec->set_name(c.name);
    codec->set_last_failure(c.last_failure);
    codec->set_last_failure_file(c.last_failure_file);
    codec->set_last_failure_at_ms(c.last_failure_at_ms);
    for (const auto& g : c.generations) {
      auto* gen = codec->add_generations();
      gen->set_number(g.number);
      gen->set_version(g.version);
      gen->set_vendor(g.vendor);
      gen->set_abi_major(g.abi_major);
      gen->set_abi_minor(g.abi_minor);
      gen->set_sha256(g.sha256);
      gen->set_signer(g.signer);
      gen->set_source(g.source);
      gen->set_loaded_at_ms(g.loaded_at_ms);
      gen->set_state(g.state);
      gen->set_sessions(g.sessions);
      gen->set_migratable(g.migratable);
    }
  }
  return grpc::Status::OK;
}

namespace {
void answer(const std::expected<std::string, std::string>& r, pb::ActionReply* reply) {
  reply->set_ok(r.has_value());
  reply->set_message(r ? *r : r.error());
}
}  // namespace

grpc::Status AdminService::Reload(grpc::ServerContext*, const pb::CodecRequest* request, pb::ActionReply* reply) {
  spdlog::info("admin: reload of codec '{}' requested", request->codec());
  answer(reloader_.reload(request->codec()), reply);
  return grpc::Status::OK;
}

grpc::Status AdminService::Rollback(grpc::ServerContext*, const pb::CodecRequest* request, pb::ActionReply* reply) {
  spdlog::info("admin: rollback of codec '{}' requested", request->codec());
  answer(reloader_.rollback(request->codec()), reply);
  return grpc::Status::OK;
}

grpc::Status AdminService::Metrics(grpc::ServerContext*, const pb::MetricsRequest*, pb::MetricsReply* reply) {
  reply->set_prometheus(metrics_.render_prometheus());
  return grpc::Status::OK;
}

}  // namespace exproto::host
