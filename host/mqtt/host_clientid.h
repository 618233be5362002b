// The clientid of the host's own MQTT connection (raw_publish without a session). Two hosts
// behind one broker must not share it, or each raw_publish takes the other's connection over.
#pragma once

#include <cstdint>
#include <string>

#include "host/config/config.h"

namespace exproto::host::mqtt {

// mqtt.host_clientid when set (used as it is, no prefix: the operator named it for the broker's
// ACL), else mqtt.clientid_prefix + "host-<host name>-<pid>-<6 hex digits of `salt`>": the
// random part keeps apart two containers that share a host name and both run as pid 1.
std::string host_clientid(const MqttConfig& cfg, uint64_t salt);

}  // namespace exproto::host::mqtt
