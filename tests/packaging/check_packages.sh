#!/usr/bin/env bash
# Usage: check_packages.sh BUILD_DIR SOURCE_DIR OUT_DIR HOST_BINARY SIGN_TOOL
# 1. systemd-analyze verify on the shipped unit (ExecStart pointed at the built binary, since the
#    check wants an executable there); any warning fails the test.
# 2. cpack -G DEB from the build tree into OUT_DIR; lintian on every package: no error allowed
#    (warnings are printed for the record). Built as a vendor release: EXPROTO_CODEC_SIGNING_KEY
#    set to a throwaway key, so every packaged codec must carry a .sig that verifies.
set -euo pipefail
build=$1 src=$2 out=$3 host_bin=$4 sign=$5
for tool in systemd-analyze lintian cpack; do
  command -v "$tool" >/dev/null || { echo "SKIPPED: $tool is not installed (scripts/deps.sh installs it)"; exit 77; }
done
rm -rf "$out" && mkdir -p "$out"

unit="$out/exproto-host.service"
sed "s#/usr/bin/exproto-host#${host_bin}#" "$src/deploy/exproto-host.service" >"$unit"
if ! systemd-analyze verify "$unit" >"$out/verify.log" 2>&1 || [ -s "$out/verify.log" ]; then
  echo "== systemd-analyze verify found problems:"; cat "$out/verify.log"; exit 1
fi
echo "== systemd-analyze verify: clean"
systemd-analyze security --offline=true "$unit" 2>/dev/null | tail -n 1 || true

echo "== cpack (codecs signed with a throwaway key)"
(cd "$out" && "$sign" keygen release >"$out/keygen.log")
public_key=$(sed -n 's/^public key: *//p' "$out/keygen.log")
(cd "$out" && EXPROTO_CODEC_SIGNING_KEY="$out/release.key" cpack --config "$build/CPackConfig.cmake" -G DEB -B "$out/pkgs" >"$out/cpack.log" 2>&1) ||
  { cat "$out/cpack.log"; exit 1; }
shopt -s nullglob
debs=("$out"/pkgs/*.deb)
[ ${#debs[@]} -ge 3 ] || { echo "expected 3 packages, got: ${debs[*]}"; cat "$out/cpack.log"; exit 1; }
# Signed codecs keep their debug info beside the packages instead of in a -dbgsym package.
ddebs=("$out"/pkgs/*-dbgsym*.ddeb)
[ ${#ddebs[@]} -ge 2 ] || { echo "expected -dbgsym packages for the programs, got: ${ddebs[*]}"; cat "$out/cpack.log"; exit 1; }
[ -s "$out/pkgs/codec-debug/jt808.so.debug" ] || { echo "no debug info kept for the signed jt808.so"; exit 1; }
for deb in "${debs[@]}"; do
  echo "== $(basename "$deb"): $(stat -c %s "$deb") bytes"
  # Stripped: no .debug_info left in any ELF file of the package (the -dbgsym .ddeb has it).
  rm -rf "$out/x" && mkdir "$out/x" && dpkg-deb -x "$deb" "$out/x"
  while IFS= read -r -d '' f; do
    magic=$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')
    if [ "$magic" = "7f454c46" ] && readelf -S "$f" | grep -q '\.debug_info'; then
      echo "not stripped: ${f#"$out/x"}"; exit 1
    fi
  done < <(find "$out/x" -type f -print0)
  # Every codec ships with a signature that verifies, for the bytes in the package.
  while IFS= read -r -d '' codec; do
    "$sign" verify --public-key "$public_key" "$codec" || { echo "bad or missing signature: ${codec#"$out/x"}"; exit 1; }
  done < <(find "$out/x" -path '*/exproto-host/plugins/*.so' -print0)
done
status=0
lintian --fail-on error --no-tag-display-limit "${debs[@]}" >"$out/lintian.log" 2>&1 || status=$?
cat "$out/lintian.log"
[ $status -eq 0 ] || { echo "lintian reported errors"; exit 1; }
echo "== lintian: no errors"
