#!/usr/bin/env bash
# Installs the Debian packages the build needs, if any is missing. Uses apt-get as root (CI), or
# sudo when available; otherwise prints the command to run.
set -euo pipefail
pkgs=(build-essential cmake pkg-config
      libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
      libboost-dev libboost-filesystem-dev nlohmann-json3-dev libspdlog-dev doctest-dev libcli11-dev
      netcat-openbsd
      libssl-dev  # host/config checks TLS files when the config is read
      libsystemd-dev  # sd_notify: readiness and watchdog under systemd (Type=notify)
      libgoogle-perftools-dev  # tcmalloc_minimal, exproto-host's allocator (docs/performance.md)
      python3-jsonschema  # the config schema test validates the shipped configs
      systemd lintian file  # CI checks the service unit (systemd-analyze verify) and the packages (lintian)
      man-db  # the manual pages test renders deploy/man (lintian depends on it too)
      openssl  # the TLS integration tests make throwaway certificates with the CLI
      clang-16 libclang-rt-16-dev  # the fuzzers (CTest label fuzz); the host's std::expected needs clang >= 16
      libmosquitto-dev mosquitto)  # native mode: the measured MQTT client library; the real broker in its tests
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo); else
  echo "deps: run as root: apt-get install -y ${missing[*]}" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
