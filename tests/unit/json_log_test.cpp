// log.format json: one JSON object per line, stable fields, the session's context when there is one.
#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "host/log/json_formatter.h"
#include "host/log/log_context.h"

using exproto::host::JsonFormatter;
using exproto::host::LogContext;
using exproto::host::ScopedLogContext;

namespace {

std::vector<nlohmann::json> lines_of(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));  // throws if not JSON
  return out;
}

}  // namespace

TEST_CASE("json log: stable fields, escaping, and the session context only inside it") {
  std::ostringstream sink_text;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(sink_text);
  spdlog::logger logger("json-test", sink);
  logger.set_formatter(std::make_unique<JsonFormatter>());
  logger.set_level(spdlog::level::trace);

  logger.info("plain \"quoted\" line\nwith a newline and a \x01 control byte");
  {
    const std::string conn = "g1h2-conn";
    ScopedLogContext outer(LogContext{"jt808", conn, "bytes"});
    logger.warn("inside");
    {
      ScopedLogContext inner(LogContext{"line", "other", "timer"});
      logger.error("nested");
    }
    logger.debug("outer again");
  }
  logger.info("after");
  logger.flush();

  const auto lines = lines_of(sink_text.str());
  REQUIRE(lines.size() == 5);
  CHECK(lines[0]["level"] == "info");
  CHECK(lines[0]["msg"] == "plain \"quoted\" line\nwith a newline and a \x01 control byte");
  CHECK_FALSE(lines[0].contains("conn"));
  const std::string time = lines[0]["time"];
  CHECK(time.size() == 24);  // 2026-12-06T17:46:24.123Z
  CHECK(time[10] == 'T');
  CHECK(time.back() == 'Z');
  CHECK(lines[1] == nlohmann::json{{"time", lines[1]["time"]}, {"level", "warning"}, {"codec", "jt808"},
                                   {"conn", "g1h2-conn"}, {"event", "bytes"}, {"msg", "inside"}});
  CHECK(lines[2]["codec"] == "line");
  CHECK(lines[2]["event"] == "timer");
  CHECK(lines[3]["codec"] == "jt808");
  CHECK(lines[3]["level"] == "debug");
  CHECK_FALSE(lines[4].contains("codec"));
}
