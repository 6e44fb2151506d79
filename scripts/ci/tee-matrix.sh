#!/usr/bin/env bash
# tee-matrix.sh prints the matrix of .github/workflows/tee.yml's arm jobs as
# `matrix=<JSON>` for $GITHUB_OUTPUT: one entry per runner of each arm.
#
#   TDX_RUNNERS=1 BASELINE_RUNNERS=2 GPU=true scripts/ci/tee-matrix.sh
#
# Arms: tdx on [self-hosted, tdx] (TAGS=tdx: attested), baseline on
# [self-hosted, baseline], and with GPU=true gpu on [self-hosted, tdx, gpu]
# (TAGS=tdx,gpu). Several runners of one arm are pooled by scripts/report
# within one testbed. Counts are repository variables (0 drops the arm).
set -euo pipefail
entries=()
# add ARM COUNT TAGS LABEL... appends COUNT entries.
add() {
	local arm=$1 n=$2 tags=$3
	shift 3
	case $n in '' | *[!0-9]*)
		echo "tee-matrix.sh: runner count for $arm is '$n': want a whole number" >&2
		exit 2
		;;
	esac
	local labels
	labels=$(printf '"%s",' "$@")
	for ((i = 1; i <= n; i++)); do
		entries+=("{\"arm\":\"$arm\",\"n\":$i,\"tags\":\"$tags\",\"labels\":[${labels%,}]}")
	done
}
add tdx "${TDX_RUNNERS:-1}" tdx self-hosted tdx
add baseline "${BASELINE_RUNNERS:-1}" "" self-hosted baseline
case ${GPU:-false} in
true) add gpu "${GPU_RUNNERS:-1}" tdx,gpu self-hosted tdx gpu ;;
false | "") ;;
*)
	echo "tee-matrix.sh: GPU=$GPU: want true or false" >&2
	exit 2
	;;
esac
[ ${#entries[@]} -gt 0 ] || {
	echo "tee-matrix.sh: no arm has a runner" >&2
	exit 2
}
json=$(printf '%s,' "${entries[@]}")
echo "matrix={\"include\":[${json%,}]}"
