#!/usr/bin/env bash
# compare.sh compares result files of two or more environments with benchstat:
#
#   ./scripts/compare.sh baseline.txt tee.txt [more.txt ...]
#   ./scripts/compare.sh -md [-threshold 5%] [-fail-on-regression] base.txt head.txt
#
# A thin wrapper over scripts/compare (its doc comment says how the arms are
# grouped, how files are cleaned, what -md writes): built here into a
# temporary directory removed on exit, or $TEEBENCH_BINDIR/compare. Paths
# are taken relative to the directory compare.sh is run from. Extra
# benchstat flags go in BENCHSTAT_FLAGS.
set -u
root=$(cd "$(dirname "$0")/.." && pwd) || exit 2
if [ -n "${TEEBENCH_BINDIR:-}" ]; then
	exec "$TEEBENCH_BINDIR/compare" -root "$root" "$@"
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/teebench-compare.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && go build -o "$tmp/compare" ./scripts/compare) || exit 2
"$tmp/compare" -root "$root" "$@"
