#!/usr/bin/env bash
# bench.sh runs every teebench benchmark package on this machine, one at a
# time, into results/<host>-<tee>-<UTC time>.txt (never overwriting one),
# its skip list R.skips.tsv and the report R.md. It is a thin wrapper: the
# run is scripts/bench (internal/runner), built here with TAGS, or prebuilt
# as $TEEBENCH_BINDIR/bench (the container; also when go is not on PATH).
#
#   ./scripts/bench.sh                          quick profile, all packages
#   TEEBENCH_PROFILE=report ./scripts/bench.sh  the published report's sizes, -count 6
#   BASELINE=results/host-none-....txt ./scripts/bench.sh   compare against another run
#   TAGS=tdx,gpu ./scripts/bench.sh             TDX guest (hard failure if not) and GPU benchmarks
#   TAGS=snp ./scripts/bench.sh                 AMD SEV-SNP guest (hard failure if not); one TEE tag at most
#
# Knobs (README "Run"): PKGS, BENCH, COUNT, BENCHTIME, OUTDIR, TEEBENCH_*.
# Exit status: 0, 1 a failure or a package without rows, 2 bad input, 3 no
# manifest, 130 interrupted (SIGINT, SIGTERM).
set -u
root=$(cd "$(dirname "$0")/.." && pwd) || exit 2
bindir=${TEEBENCH_BINDIR:-}
command -v go >/dev/null 2>&1 || bindir=${bindir:-/opt/teebench/bin}
if [ -n "$bindir" ]; then
	bin=$bindir/bench
	[ -x "$bin" ] || { echo "bench.sh: TEEBENCH_BINDIR=$bindir: no bench command there (no go on PATH either)" >&2; exit 2; }
else
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/teebench-bench.XXXXXX") || exit 2
	trap 'rm -rf "$tmp"' EXIT
	bin=$tmp/bench
	# Built without TAGS first: its check of TAGS (one TEE at most) precedes a build that would fail.
	(cd "$root" && go build -o "$bin" ./scripts/bench) || exit 2
	if [ -n "${TAGS:-}" ]; then
		msg=$("$bin" -tee "$TAGS" 2>&1 >/dev/null) || { echo "bench.sh: TAGS=$TAGS: ${msg#bench -tee: }" >&2; exit 2; }
		(cd "$root" && go build -tags "$TAGS" -o "$bin" ./scripts/bench) || exit 2
	fi
fi
set -m # the run in a process group of its own; signals are passed on
"$bin" -root "$root" & pid=$!
trap 'kill -INT "$pid" 2>/dev/null' INT
trap 'kill -TERM "$pid" 2>/dev/null' TERM
while kill -0 "$pid" 2>/dev/null; do wait "$pid"; done
wait "$pid"
