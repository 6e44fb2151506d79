#!/usr/bin/env bash
# tee-matrix.sh prints the matrix of .github/workflows/tee.yml's arm jobs as
# `matrix=<JSON>` for $GITHUB_OUTPUT: one entry per runner of each arm.
#
#   TDX_RUNNERS=1 SNP_RUNNERS=1 BASELINE_RUNNERS=2 GPU=true scripts/ci/tee-matrix.sh
#
# Arms: one per TEE, named by its build tag and run on the runners labelled
# [self-hosted, <tag>] with TAGS=<tag> (attested): tdx (TDX_RUNNERS, default
# 1) and snp (SNP_RUNNERS, default 0: AMD SEV-SNP runners are opt-in);
# baseline on [self-hosted, baseline]; with GPU=true, gpu on [self-hosted,
# tdx, gpu] (TAGS=tdx,gpu; GPU_RUNNERS, default 1) and gpu-snp on
# [self-hosted, snp, gpu] (TAGS=gpu,snp; SNP_GPU_RUNNERS, default 0: the
# published H100 rows ran on SEV-SNP). The runner labels are the
# repository's own names for its machines, the same words as the build
# tags. Several runners of one arm are pooled by scripts/report within one
# testbed. Counts are repository variables (0 drops the arm).
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
add snp "${SNP_RUNNERS:-0}" snp self-hosted snp
add baseline "${BASELINE_RUNNERS:-1}" "" self-hosted baseline
case ${GPU:-false} in
true)
	add gpu "${GPU_RUNNERS:-1}" tdx,gpu self-hosted tdx gpu
	add gpu-snp "${SNP_GPU_RUNNERS:-0}" gpu,snp self-hosted snp gpu
	;;
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
