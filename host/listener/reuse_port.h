// SO_REUSEPORT as an Asio socket option (Asio has none): every io shard binds its own socket to
// the listener's address and the kernel spreads connections (TCP) and peers (UDP, by flow hash)
// over them. Linux lets only sockets of the same user share the port.
#pragma once

#include <sys/socket.h>

#include <boost/asio/detail/socket_option.hpp>

namespace exproto::host {

using reuse_port = boost::asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

}  // namespace exproto::host
