#!/usr/bin/env bash
# Instructions per device frame of two handlers, counted by valgrind's cachegrind: a figure this
# noisy VM cannot spoil (CPU time per frame of one binary spreads ±15 % from round to round; the
# instruction count repeats to within 1 % from run to run). It counts user-space
# instructions only: not the kernel, not cache misses, not wake-ups, so it complements
# exproto-bench's CPU and context-switch figures rather than replacing them.
#
# Each handler runs under cachegrind behind exproto-bench at a fixed rate (one frame in flight per
# device, as EMQX paces it), twice: with a short and a long window. The difference of the two
# counts over the difference of the frames is the cost of one frame, without start-up and shutdown.
#
#   tools/bench/instructions_per_frame.sh                            # exproto-host vs the baseline
#   tools/bench/instructions_per_frame.sh --other /tmp/host-before   # exproto-host vs another build
#
# Options: --host-bin BIN (build/host/exproto-host), --baseline-bin BIN, --other BIN, --bench BIN,
# --plugins-dir DIR (build/plugins), --rate N (300 frames/s), --conns N (100), --short S (5),
# --long S (20), --keep (keep the cachegrind outputs of the long window, for cg_annotate, which
# splits the count by function). Needs valgrind (apt-get install valgrind).
set -euo pipefail

build=build
host_bin=$build/host/exproto-host
baseline_bin=$build/tools/bench/exproto-bench-baseline
bench=$build/tools/bench/exproto-bench
plugins=$build/plugins
other=""
rate=300
conns=100
short=5
long=20
warmup=3
keep=false

while [ $# -gt 0 ]; do
  case "$1" in
    --host-bin) host_bin=$2; shift 2 ;;
    --baseline-bin) baseline_bin=$2; shift 2 ;;
    --other) other=$2; shift 2 ;;
    --bench) bench=$2; shift 2 ;;
    --plugins-dir) plugins=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --conns) conns=$2; shift 2 ;;
    --short) short=$2; shift 2 ;;
    --long) long=$2; shift 2 ;;
    --keep) keep=true; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
for f in "$host_bin" "$bench" ${other:+"$other"}; do
  [ -x "$f" ] || { echo "not an executable: $f" >&2; exit 2; }
done
[ -n "$other" ] || [ -x "$baseline_bin" ] || { echo "not an executable: $baseline_bin" >&2; exit 2; }

work=$(mktemp -d /tmp/exproto-instructions.XXXXXX)
$keep || trap 'rm -rf "$work"' EXIT

# A wrapper per handler: the bench starts it as it would start the handler, and cachegrind writes
# its count where this script finds it.
wrap() {  # name binary
  cat >"$work/$1.sh" <<EOF
#!/bin/sh
exec valgrind --tool=cachegrind --cache-sim=no --branch-sim=no --cachegrind-out-file=$work/$1.out.%p $(realpath "$2") "\$@"
EOF
  chmod +x "$work/$1.sh"
}
wrap host "$host_bin"
if [ -n "$other" ]; then
  wrap other "$other"
  names=(host other)
  mode=(--compare-builds "$work/other.sh")
else
  wrap baseline "$baseline_bin"
  names=(baseline host)
  mode=(--compare --baseline-bin "$work/baseline.sh")
fi

total() {  # name seconds -> instructions of that run
  local f
  f=$(ls "$work/$1.out."* 2>/dev/null | head -1)
  [ -n "$f" ] || { echo "no cachegrind output for $1 (the bench's output: $work/run$2.txt)" >&2; exit 1; }
  grep '^summary:' "$f" | awk '{print $2}'
  if $keep && [ "$2" = "$long" ]; then mv "$f" "$work/$1.cachegrind"; fi
  rm -f "$work/$1.out."*
}

declare -A count
for secs in "$short" "$long"; do
  "$bench" "${mode[@]}" --host-bin "$work/host.sh" --plugins-dir "$plugins" --rounds 1 --seconds "$secs" \
    --warmup "$warmup" --conns "$conns" --rate "$rate" >"$work/run$secs.txt" 2>&1 ||
    { cat "$work/run$secs.txt" >&2; exit 1; }
  for n in "${names[@]}"; do
    # The handler must have kept up with the offered rate, or the frame count below is wrong.
    fps=$(awk -v n="$n" '$1 == n && $2 == 1 { print $4 }' "$work/run$secs.txt")
    awk -v f="$fps" -v r="$rate" 'BEGIN { exit !(f >= 0.98 * r) }' ||
      { echo "$n served $fps frames/s of $rate under valgrind: lower --rate" >&2; cat "$work/run$secs.txt" >&2; exit 1; }
    count[$n.$secs]=$(total "$n" "$secs")
  done
done

frames=$(awk -v r="$rate" -v a="$short" -v b="$long" 'BEGIN { print r * (b - a) }')
printf 'instructions per frame (cachegrind, %s frames/s over %s devices, windows %s s and %s s):\n' \
  "$rate" "$conns" "$short" "$long"
declare -A per
for n in "${names[@]}"; do
  per[$n]=$(awk -v a="${count[$n.$short]}" -v b="${count[$n.$long]}" -v f="$frames" 'BEGIN { printf "%.0f", (b - a) / f }')
  printf '  %-9s %8s\n' "$n" "${per[$n]}"
done
awk -v a="${per[${names[1]}]}" -v b="${per[${names[0]}]}" -v x="${names[1]}" -v y="${names[0]}" \
  'BEGIN { printf "  %s/%s %.3f\n", x, y, a / b }'
if $keep; then echo "cachegrind outputs of the $long s window: $work/*.cachegrind (cg_annotate FILE)"; fi
