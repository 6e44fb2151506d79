#!/usr/bin/env bash
# tee-arm.sh runs one arm of .github/workflows/tee.yml on this runner:
# scripts/bench.sh at the report profile into OUT, then checks the result is
# what the arm claims (an arm with a TEE tag, snp or tdx, has a file that
# says that TEE's `tee:` name and carries its evidence; a baseline's says
# `tee: none`), so a mislabelled runner cannot land in the wrong arm. The
# TEE of TAGS, its name and evidence file come from `scripts/bench -tee`
# (internal/tee's kinds), never named here.
#
#   ARM=snp TAGS=snp scripts/ci/tee-arm.sh OUT
#
# Environment: ARM (required), TAGS (bench.sh build tags; a TEE tag
# attests), TEEBENCH_PROFILE (default report), and bench.sh's PKGS, BENCH,
# COUNT, BENCHTIME; BENCH_SH replaces ./scripts/bench.sh (tests). Exit
# status: bench.sh's failures and a failed check are 1, bad TAGS 2; the
# files written so far stay in OUT for the artifact.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
if [ $# -ne 1 ] || [ -z "${ARM:-}" ]; then
	echo "usage: ARM=<label> [TAGS=<tags>] scripts/ci/tee-arm.sh OUT" >&2
	exit 2
fi
# want: the TEE's `tee:` name and evidence suffix, empty for none (the
# bench command: $TEEBENCH_BINDIR/bench, or built into a temporary
# directory removed on exit).
bench=${TEEBENCH_BINDIR:+$TEEBENCH_BINDIR/bench}
if [ -z "$bench" ]; then
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/teebench-arm.XXXXXX") || exit 2
	trap 'rm -rf "$tmp"' EXIT
	bench=$tmp/bench
	go build -o "$bench" ./scripts/bench || exit 2
fi
want=$("$bench" -tee "${TAGS:-}") || exit 2
read -r want_tee want_suffix <<<"$want"
out=$1
mkdir -p "$out" || exit 2
export TEEBENCH_PROFILE=${TEEBENCH_PROFILE:-report} TAGS=${TAGS:-} OUTDIR=$out
status=0
"${BENCH_SH:-./scripts/bench.sh}" || status=1
# shellcheck disable=SC2012 # bench.sh names files host-tee-time.txt
res=$(ls -t "$out"/*.txt 2>/dev/null | head -1)
if [ -z "$res" ]; then
	echo "tee-arm.sh: arm $ARM: bench.sh wrote no result file" >&2
	exit 1
fi
tee=$(grep -m1 '^tee:' "$res" | sed 's/^tee: *//')
if [ -n "$want_tee" ]; then
	if [ "$tee" != "$want_tee" ]; then
		echo "tee-arm.sh: arm $ARM runs with TAGS=$TAGS but $res says tee: ${tee:-<none>}, not $want_tee" >&2
		status=1
	fi
	if [ ! -s "$res$want_suffix" ]; then
		echo "tee-arm.sh: arm $ARM: no $want_tee evidence bound to $res ($res$want_suffix missing)" >&2
		status=1
	fi
elif [ "$tee" != none ]; then
	echo "tee-arm.sh: arm $ARM is a baseline but $res says tee: ${tee:-<none>}; run it with that TEE's tag in TAGS in a TEE arm" >&2
	status=1
fi
echo "tee-arm.sh: arm $ARM: $res (tee: $tee, exit $status)" >&2
exit "$status"
