#include "host/admin/ctl.h"

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <ctime>

#include "admin.grpc.pb.h"

namespace exproto::host {

namespace pb = exproto::admin::v1;

namespace {

std::string when(int64_t unix_ms) {
  if (unix_ms == 0) return "-";
  const std::time_t t = unix_ms / 1000;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void print_status(const pb::StatusReply& r) {
  std::printf("exproto-host %s  %s  sessions %llu\n", r.host_version().c_str(),
              r.ready() ? "ready" : "NOT READY (EMQX unreachable)", static_cast<unsigned long long>(r.sessions()));
  for (const auto& a : r.adapter()) {
    std::printf("adapter %s  %s since %s\n", a.address().c_str(), a.state().c_str(), when(a.since_ms()).c_str());
  }
  for (const auto& c : r.codecs()) {
    std::printf("codec %s\n", c.name().c_str());
    for (const auto& g : c.generations()) {
      std::printf("  generation %llu  %-9s  %s (%s)  ABI %u.%u  sessions %llu%s\n",
                  static_cast<unsigned long long>(g.number()), g.state().c_str(), g.version().c_str(),
                  g.vendor().c_str(), g.abi_major(), g.abi_minor(), static_cast<unsigned long long>(g.sessions()),
                  g.migratable() ? "  migratable" : "");
      std::printf("    sha256 %s  loaded %s  from %s\n", g.sha256().c_str(), when(g.loaded_at_ms()).c_str(),
                  g.source().c_str());
      std::printf("    signed by %s\n", g.signer().empty() ? "(unsigned or no plugins.trusted_keys)" : g.signer().c_str());
    }
    if (!c.last_failure().empty()) {
      std::printf("  last failed load %s from %s: %s\n", when(c.last_failure_at_ms()).c_str(),
                  c.last_failure_file().c_str(), c.last_failure().c_str());
    }
  }
}

}  // namespace

std::string admin_target(const std::string& address) {
  if (address.starts_with('/') || address.starts_with("./") || address.starts_with("../")) return "unix:" + address;
  return address;
}

int run_ctl(const std::string& address, const std::vector<std::string>& command, bool json) {
  const auto usage = [] {
    std::fprintf(stderr,
                 "usage: exproto-host ctl [--admin SOCKET|HOST:PORT] [--json] status | metrics | reload <codec> | rollback <codec>\n");
    return 2;
  };
  if (command.empty()) return usage();
  const std::string& verb = command[0];
  const bool needs_codec = verb == "reload" || verb == "rollback";
  if ((needs_codec && command.size() != 2) || (!needs_codec && command.size() != 1)) return usage();
  if (!needs_codec && verb != "status" && verb != "metrics") return usage();

  auto stub = pb::Admin::NewStub(grpc::CreateChannel(admin_target(address), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Status st;
  int code = 0;
  if (verb == "status") {
    pb::StatusReply reply;
    st = stub->Status(&ctx, pb::StatusRequest{}, &reply);
    if (st.ok() && json) {
      std::string text;
      google::protobuf::util::JsonPrintOptions options;
      options.always_print_primitive_fields = true;  // a script should not have to know defaults
      options.preserve_proto_field_names = true;
      if (!google::protobuf::util::MessageToJsonString(reply, &text, options).ok()) {
        std::fprintf(stderr, "exproto-host ctl: the status cannot be printed as JSON\n");
        return 3;
      }
      std::printf("%s\n", text.c_str());
    } else if (st.ok()) {
      print_status(reply);
    }
  } else if (verb == "metrics") {
    pb::MetricsReply reply;
    st = stub->Metrics(&ctx, pb::MetricsRequest{}, &reply);
    if (st.ok()) std::fputs(reply.prometheus().c_str(), stdout);
  } else {
    pb::CodecRequest request;
    request.set_codec(command[1]);
    pb::ActionReply reply;
    st = verb == "reload" ? stub->Reload(&ctx, request, &reply) : stub->Rollback(&ctx, request, &reply);
    if (st.ok()) {
      std::fprintf(reply.ok() ? stdout : stderr, "%s%s\n", reply.ok() ? "" : "refused: ", reply.message().c_str());
      code = reply.ok() ? 0 : 1;
    }
  }
  if (!st.ok()) {
    std::fprintf(stderr, "exproto-host ctl: admin endpoint %s: %s\n", address.c_str(), st.error_message().c_str());
    return 3;
  }
  return code;
}

}  // namespace exproto::host
