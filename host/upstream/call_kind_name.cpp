#include "host/upstream/upstream.h"

namespace exproto::host {

const char* call_kind_name(int32_t kind) {
  switch (kind) {
    case EXPROTO_CALL_SEND: return "Send";
    case EXPROTO_CALL_CLOSE: return "Close";
    case EXPROTO_CALL_AUTHENTICATE: return "Authenticate";
    case EXPROTO_CALL_START_KEEPALIVE: return "StartTimer";
    case EXPROTO_CALL_PUBLISH: return "Publish";
    case EXPROTO_CALL_SUBSCRIBE: return "Subscribe";
    case EXPROTO_CALL_UNSUBSCRIBE: return "Unsubscribe";
    case EXPROTO_CALL_RAW_PUBLISH: return "RawPublish";
  }
  return "?";
}

}  // namespace exproto::host
