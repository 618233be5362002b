// What a ConnectionAdapter call answers, with EMQX's exact codes and message strings (spec §4.1).
#pragma once

#include "devgw/records.hpp"

#include <string>

namespace exproto::devgw {

struct CallResult {
  int grpc_status = 0;  ///< 0 = OK (then code/message are the CodeResponse)
  std::string grpc_message;
  ResultCode code = ResultCode::success;
  std::string message;

  static CallResult ok() { return {}; }
  static CallResult with(ResultCode code, std::string message) { return {0, {}, code, std::move(message)}; }
  /// A crash inside EMQX's gRPC handler function (function-clause etc.): grpc-status INTERNAL.
  static CallResult rpc_crashed() { return {13, "RPC Execution Crashed", ResultCode::success, {}}; }

  static CallResult unexpected_call() { return with(ResultCode::unknown, "{error,unexpected_call}"); }
  static CallResult params_type_error() { return with(ResultCode::unknown, "{error,'PARAMS_TYPE_ERROR'}"); }
  static CallResult unknown_crash() { return with(ResultCode::unknown, "{error,'UNKNOWN',<<\"Unknown crashes\">>}"); }
  static CallResult not_alive() {
    return with(ResultCode::conn_process_not_alive, "<<\"Connection process is not alive\">>");
  }
  static CallResult authz_deny() { return with(ResultCode::permission_deny, "<<\"Authorization deny\">>"); }
  static CallResult duplicated_auth() {
    return with(ResultCode::permission_deny, "<<\"Duplicated authenticate command\">>");
  }
  static CallResult socket_disconnected() {
    return with(ResultCode::permission_deny, "<<\"Client socket disconnected\">>");
  }
  static CallResult not_authorized() { return with(ResultCode::permission_deny, "not_authorized"); }
};

}  // namespace exproto::devgw
