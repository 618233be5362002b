/* Logs for a session from a thread of its own (host functions are for the hook's thread only). */
#include <pthread.h>

#include "bad_codec.h"

static void* log_from_thread(void* arg) {
  bad_session* s = (bad_session*)arg;
  s->codec->host->session_log(s->handle, EXPROTO_LOG_INFO, bad_str("hello from my own thread"));
  return NULL;
}

static exproto_type_status threaded_bytes(exproto_type_session_codec_ptr state, exproto_type_bytes data) {
  (void)data;
  pthread_t t;
  if (pthread_create(&t, NULL, log_from_thread, state) != 0) return EXPROTO_STATUS_ERROR;
  pthread_join(t, NULL);
  return EXPROTO_STATUS_OK;
}

BAD_CODEC("thread_call", bad_open, bad_close, threaded_bytes)
