// The admin gRPC service (protos/admin.proto): status, reload, rollback and metrics, answered
// from the reloader's control thread. Synchronous API: admin calls are rare and each one waits
// for the control thread anyway.
#pragma once

#include "admin.grpc.pb.h"

namespace exproto::host {

class Reloader;
class AdapterClient;
class Dispatcher;
struct Metrics;

class AdminService final : public exproto::admin::v1::Admin::Service {
 public:
  AdminService(Reloader& reloader, const exproto::host::Metrics& metrics, const AdapterClient* adapter,
               const Dispatcher& dispatcher)
      : reloader_(reloader), metrics_(metrics), adapter_(adapter), dispatcher_(dispatcher) {}

  grpc::Status Status(grpc::ServerContext*, const exproto::admin::v1::StatusRequest*,
                      exproto::admin::v1::StatusReply* reply) override;
  grpc::Status Reload(grpc::ServerContext*, const exproto::admin::v1::CodecRequest* request,
                      exproto::admin::v1::ActionReply* reply) override;
  grpc::Status Rollback(grpc::ServerContext*, const exproto::admin::v1::CodecRequest* request,
                        exproto::admin::v1::ActionReply* reply) override;
  grpc::Status Metrics(grpc::ServerContext*, const exproto::admin::v1::MetricsRequest*,
                       exproto::admin::v1::MetricsReply* reply) override;

 private:
  Reloader& reloader_;
  const exproto::host::Metrics& metrics_;  // the rpc named Metrics hides the type in this class
  const AdapterClient* adapter_;  // null in native mode: no EMQX
  const Dispatcher& dispatcher_;
};

}  // namespace exproto::host
