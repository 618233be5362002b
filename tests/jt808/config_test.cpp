// Config validation: defaults, every key, and refusals naming the bad key.
#include "checked_host.h"

#include <doctest/doctest.h>

using namespace codectest;

TEST_CASE("jt808: config accepts empty, null and every documented key") {
  CheckedHost host{{.host_version = "jt808-tests"}};
  CodecLibrary lib{JT808_SO, host};
  for (const char* cfg : {"", "null", "{}",
                          R"({"up_topic":"a/${phone}","dn_topic":"b/${clientid}","up_qos":2,"dn_qos":0,
                              "auth":{"clientid":"${phone}","username":"u","password":"${code}","auth_code":"${license_number}",
                                      "check_registered_code":true},
                              "retry_interval_ms":1000,"max_retry_times":0,"message_queue_len":0,"max_inflight":1,
                              "max_frame_bytes":2048,"max_pending_frames":4,
                              "subpackage":{"reassemble":false,"max_sets":2,"max_bytes":4096,"timeout_ms":100,"request_missing":true},
                              "keepalive":60,"ignore_unsupported_frames":false,"bit_order":"standard",
                              "publish_control_messages":true,"string_encoding":"gbk","reply_unknown_messages":true})",
                          R"({"string_encoding":"utf8","reply_unknown_messages":false})"}) {
    CAPTURE(cfg);
    CHECK_FALSE(CodecInstance::refuse(lib, cfg));
  }
}

TEST_CASE("jt808: config refusals name the key") {
  CheckedHost host{{.host_version = "jt808-tests"}};
  CodecLibrary lib{JT808_SO, host};
  const std::pair<const char*, const char*> cases[] = {
      {"[]", "must be an object"},
      {"{", "not valid JSON"},
      {R"({"bogus":1})", "\"bogus\" is not a known key"},
      {R"({"auth":{"bogus":1}})", "\"auth.bogus\" is not a known key"},
      {R"({"subpackage":{"max_sets":0}})", "\"subpackage.max_sets\" must be between"},
      {R"({"up_topic":"x/${imei}"})", "unknown placeholder \"${imei}\""},
      {R"({"auth":{"clientid":"${phone"}})", "unclosed"},
      {R"({"up_qos":3})", "\"up_qos\" must be between 0 and 2"},
      {R"({"keepalive":-1})", "must not be negative"},
      {R"({"max_frame_bytes":100})", "\"max_frame_bytes\" must be between 1045"},
      {R"({"bit_order":"msb"})", "must be \"emqx\" or \"standard\""},
      {R"({"ignore_unsupported_frames":1})", "must be true or false"},
      {R"({"string_encoding":"latin1"})", "\"string_encoding\" must be \"utf8\" or \"gbk\""},
      {R"({"string_encoding":"GBK"})", "\"string_encoding\" must be \"utf8\" or \"gbk\""},
      {R"({"reply_unknown_messages":"yes"})", "\"reply_unknown_messages\" must be true or false"},
  };
  for (const auto& [cfg, reason] : cases) {
    CAPTURE(cfg);
    const auto r = CodecInstance::refuse(lib, cfg);
    REQUIRE(r);
    CHECK(r->reason.find(reason) != std::string::npos);
  }
}
