#!/usr/bin/env bash
# The test command: installs what is missing, builds from scratch if needed, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
build="${BUILD_DIR:-build}"
ctest --test-dir "$build" --output-on-failure --timeout 600 -j "${JOBS:-$(nproc)}"
