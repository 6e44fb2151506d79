#!/usr/bin/env bash
# tee-arm.sh runs one arm of .github/workflows/tee.yml on this runner:
# scripts/bench.sh at the report profile into OUT, then checks the result is
# what the arm claims (a tdx arm's file says `tee: tdx` and carries its
# quote; a baseline's says `tee: none`), so a mislabelled runner cannot
# land in the wrong arm.
#
#   ARM=tdx TAGS=tdx scripts/ci/tee-arm.sh OUT
#
# Environment: ARM (required), TAGS (bench.sh build tags; tdx attests),
# TEEBENCH_PROFILE (default report), and bench.sh's PKGS, BENCH, COUNT,
# BENCHTIME. Exit status: bench.sh's failures and a failed check are 1; the
# files written so far stay in OUT for the artifact.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
if [ $# -ne 1 ] || [ -z "${ARM:-}" ]; then
	echo "usage: ARM=<label> [TAGS=tdx] scripts/ci/tee-arm.sh OUT" >&2
	exit 2
fi
out=$1
mkdir -p "$out" || exit 2
export TEEBENCH_PROFILE=${TEEBENCH_PROFILE:-report} TAGS=${TAGS:-} OUTDIR=$out
status=0
./scripts/bench.sh || status=1
# shellcheck disable=SC2012 # bench.sh names files host-tee-time.txt
res=$(ls -t "$out"/*.txt 2>/dev/null | head -1)
if [ -z "$res" ]; then
	echo "tee-arm.sh: arm $ARM: bench.sh wrote no result file" >&2
	exit 1
fi
tee=$(grep -m1 '^tee:' "$res" | sed 's/^tee: *//')
if [[ ",$TAGS," == *,tdx,* ]]; then
	if [ "$tee" != tdx ]; then
		echo "tee-arm.sh: arm $ARM runs with TAGS=$TAGS but $res says tee: ${tee:-<none>}" >&2
		status=1
	fi
	if [ ! -s "$res.quote" ]; then
		echo "tee-arm.sh: arm $ARM: no quote bound to $res ($res.quote missing)" >&2
		status=1
	fi
elif [ "$tee" != none ]; then
	echo "tee-arm.sh: arm $ARM is a baseline but $res says tee: ${tee:-<none>}; run it with TAGS=tdx in a TEE arm" >&2
	status=1
fi
echo "tee-arm.sh: arm $ARM: $res (tee: $tee, exit $status)" >&2
exit "$status"
