#include <doctest/doctest.h>

#include <boost/asio/post.hpp>

#include <future>

#include "host/net/io_threads.h"

using exproto::host::IoThreads;
using exproto::host::parse_conn_shard;

TEST_CASE("io threads: a conn id names its shard and listener, and executor_for runs work on that shard") {
  IoThreads io(3);
  CHECK(io.size() == 3);
  const std::string a = io.make_conn_id(2, 7);
  const std::string b = io.make_conn_id(2, 7);
  CHECK(a == "n2.7.1");
  CHECK(b == "n2.7.2");
  CHECK(a.size() <= 15);  // fits std::string's inline storage
  CHECK(io.shard_of(a) == 2u);
  CHECK(io.shard_of("n3.0.1") == std::nullopt);  // no such shard here
  CHECK(parse_conn_shard("n3.0.1") == 3u);
  for (const char* foreign : {"", "n", "n.", "x1.0.1", "n1", "n1x.0", "g2gCZAAN", "n-1.0.1"}) {
    CAPTURE(foreign);
    CHECK(io.shard_of(foreign) == std::nullopt);
  }
  io.start();
  auto ex = io.executor_for(a);
  REQUIRE(ex.has_value());
  std::promise<bool> on_shard;
  boost::asio::post(*ex, [&] { on_shard.set_value(io.on_shard(2) && !io.on_shard(0)); });
  CHECK(on_shard.get_future().get());
  CHECK_FALSE(io.on_shard(2));  // not from here
  CHECK(io.executor_or_first("") == io.executor(0));
  CHECK(io.executor_or_first(a) == io.executor(2));
  io.stop();
}
