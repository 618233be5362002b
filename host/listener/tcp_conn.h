// A device on a plain TCP listener. Idle, it owns its socket, a pending wait for readability and
// no receive buffer: it reads into its shard's shared buffer only when the kernel has bytes.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include "host/listener/device_conn.h"

namespace exproto::host {

class TcpConn final : public DeviceConn {
 public:
  // `socket`: accepted, on the shard's io_context; put in non-blocking mode here.
  TcpConn(DeviceEnv& env, std::shared_ptr<const DeviceLimits> limits, std::size_t shard, std::string id,
          boost::asio::ip::tcp::socket socket);

 private:
  Step read_step() override;
  void write_step() override;
  void shutdown_transport() override;
  void close_transport() override;

  boost::asio::ip::tcp::socket socket_;
  std::vector<std::string> writing_;  // owned until the write completes
  bool write_pending_ = false;
};

}  // namespace exproto::host
