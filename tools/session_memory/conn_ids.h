// The conn ids the tool plays EMQX with.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

namespace exproto::memory {

// EMQX's conn ids are base64 of an Erlang pid term, 44 characters for a node name of usual length.
inline std::string conn_id(std::size_t i) {
  char id[64];
  std::snprintf(id, sizeof id, "g2dkABJlbXF4QDEyNy4wLjAuMQ%016zu==", i);
  return id;
}

}  // namespace exproto::memory
