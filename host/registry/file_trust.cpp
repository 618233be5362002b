#include "host/registry/file_trust.h"

#include <unistd.h>

#include <fmt/format.h>

namespace exproto::host {

std::expected<void, std::string> check_owner_and_mode(const struct stat& st, const std::string& what) {
  const uid_t me = ::geteuid();
  if (st.st_uid != 0 && st.st_uid != me) {
    return std::unexpected(fmt::format("{} is owned by uid {} (only root or uid {}, the host's user, may own it)", what,
                                       st.st_uid, me));
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return std::unexpected(fmt::format("{} is writable by group or others (mode {:04o})", what, st.st_mode & 07777));
  }
  return {};
}

}  // namespace exproto::host
