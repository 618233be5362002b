#!/usr/bin/env bash
# The main job: builds what is needed, then runs the development gateway (an EMQX stand-in) and
# exproto-host with the `line` codec on loopback. Connect a device with: nc 127.0.0.1 7993
#   CODEC=jsonframe scripts/run-dev.sh    runs the jsonframe codec instead (config/dev-jsonframe.json)
#   SERVICE=streaming scripts/run-dev.sh  makes the gateway call the legacy streaming service
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
build="${BUILD_DIR:-build}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target exproto-host exproto-devgw line jsonframe

codec="${CODEC:-line}"
config="config/dev-${codec}.json"
"$build/host/exproto-host" --config "$config" --check >/dev/null

"$build/tools/devgw/exproto-devgw" --handler 127.0.0.1:9001 --adapter 127.0.0.1:9100 \
  --listen tcp:127.0.0.1:7993 --control 127.0.0.1:7980 --service "${SERVICE:-unary}" \
  --idle-timeout-ms 120000 <&0 &
gw=$!  # its stdin is this terminal (a background job would get /dev/null): "pub t/down hi" works
"$build/host/exproto-host" --config "$config" &
host=$!
trap 'kill $host $gw 2>/dev/null; wait $host $gw 2>/dev/null' EXIT INT TERM

sleep 1
cat <<TXT

  exproto-host is serving the '$codec' codec behind the development gateway.
  Device:   nc 127.0.0.1 7993
            CONNECT dev1          (answers OK)
            PUB t/up hello        (the gateway logs: PUBLISH t/up ... "hello")
            SUB t/down            (then publish to t/down, below: the device reads MSG t/down ...)
  Publish:  type here:  pub t/down hi
            or:         echo "PUB t/down hi" | nc -q1 127.0.0.1 7980
  Stop:     Ctrl-C

TXT
wait $host $gw
