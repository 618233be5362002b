// Text forms shared by logs and EMQX-compatible strings.
#pragma once

#include <string>
#include <string_view>

namespace exproto::devgw {

/// Payload for a log line: "hello" with non-printable bytes as \xNN, cut after 200 bytes.
std::string quote_payload(std::string_view bytes);

/// Erlang `~0p` of a binary: <<"text">> if printable latin1 ASCII, else <<1,2,3>>.
std::string erlang_binary(std::string_view bytes);

/// grpc-erl's codename atom for a gRPC status code (e.g. 12 → "unimplemented").
std::string_view grpc_codename(int code);

}  // namespace exproto::devgw
