/* Sends from on_session_close (only session_log is allowed there), and later logs through the
 * handle of a session that is already closed. */
#include "bad_codec.h"

static void sending_close(exproto_type_session_codec_ptr state, exproto_type_str reason) {
  bad_session* s = (bad_session*)state;
  s->codec->host->send(s->handle, bad_bytes_of("bye\n"));
  bad_close(state, reason);
}

static exproto_type_status bytes_using_stale_handle(exproto_type_session_codec_ptr state, exproto_type_bytes data) {
  (void)data;
  bad_session* s = (bad_session*)state;
  if (s->codec->last_closed != NULL) s->codec->host->session_log(s->codec->last_closed, EXPROTO_LOG_INFO, bad_str("stale"));
  return EXPROTO_STATUS_OK;
}

BAD_CODEC("use_after_close", bad_open, sending_close, bytes_using_stale_handle)
