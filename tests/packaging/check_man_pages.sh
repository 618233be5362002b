#!/usr/bin/env bash
# Usage: check_man_pages.sh MAN_DIR PROGRAM[:SUBCOMMAND,...]=PAGE ...
# The hand-written manual pages (deploy/man) against the programs they describe: every long option
# the program's --help (and each named subcommand's --help) lists must be in its page, and the
# page must render without a groff warning (what lintian's groff-message check reports).
# Exit 77 (skipped) without man(1).
set -euo pipefail
man_dir=$1
shift
command -v man >/dev/null || { echo "SKIPPED: man is not installed"; exit 77; }
status=0
for spec in "$@"; do
  program=${spec%%=*} page=${spec#*=}
  subcommands=""
  if [[ $program == *:* ]]; then subcommands=${program#*:} program=${program%%:*}; fi
  file="$man_dir/$page"
  warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$file" 2>&1 >/dev/null) || true
  if [ -n "$warnings" ]; then
    echo "$page: groff warnings:"; echo "$warnings"; status=1
  fi
  # The page as a reader sees it, with hyphens as typed.
  text=$(LC_ALL=C MANWIDTH=200 man -l "$file" 2>/dev/null | sed 's/‐/-/g')
  helps=$("$program" --help)
  IFS=, read -ra subs <<<"$subcommands"
  for sub in "${subs[@]}"; do helps+=$'\n'$("$program" "$sub" --help); done
  options=$(grep -oE -- '--[a-z][a-z0-9-]*' <<<"$helps" | sort -u)
  for option in $options; do
    if ! grep -qF -- "$option" <<<"$text"; then
      echo "$page: $(basename "$program") option $option is not described"; status=1
    fi
  done
  for sub in "${subs[@]}"; do
    grep -qw -- "$sub" <<<"$text" || { echo "$page: subcommand $sub is not described"; status=1; }
  done
  echo "== $page: $(wc -w <<<"$options") options checked${subcommands:+ (and ${subcommands})}"
done
exit $status
