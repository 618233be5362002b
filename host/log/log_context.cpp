#include "host/log/log_context.h"

namespace exproto::host {
namespace {
thread_local const LogContext* t_context = nullptr;
}  // namespace

const LogContext* current_log_context() { return t_context; }

ScopedLogContext::ScopedLogContext(LogContext context) : context_(std::move(context)), outer_(t_context) {
  t_context = &context_;
}

ScopedLogContext::~ScopedLogContext() { t_context = outer_; }

}  // namespace exproto::host
