/* Passes a NULL topic with a length to publish and QoS 9 to subscribe. */
#include "bad_codec.h"

static exproto_type_status careless_bytes(exproto_type_session_codec_ptr state, exproto_type_bytes data) {
  (void)data;
  bad_session* s = (bad_session*)state;
  const exproto_type_str no_topic = {NULL, 5};
  const exproto_type_bytes empty = {NULL, 0};
  s->codec->host->publish(s->handle, no_topic, 0, empty);
  s->codec->host->subscribe(s->handle, bad_str("t/#"), 9);
  return EXPROTO_STATUS_OK;
}

BAD_CODEC("bad_args", bad_open, bad_close, careless_bytes)
