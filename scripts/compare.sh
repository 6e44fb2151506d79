#!/usr/bin/env bash
# compare.sh compares result files of two or more environments with benchstat:
#
#   ./scripts/compare.sh baseline.txt tee.txt [more.txt ...]
#
# The arms are the files' `tee:` values (none, tdx, sev-snp), so one table per
# package gets a delta column; every other manifest key (cpu-model, vcpus,
# kernel ...) is ignored rather than splitting the tables. When all files
# have the same tee value (two baselines, say) the arms are the files.
# Extra benchstat flags go in BENCHSTAT_FLAGS, e.g. BENCHSTAT_FLAGS="-filter .unit:req/s".
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
	echo "usage: compare.sh baseline.txt tee.txt [more.txt ...]" >&2
	exit 2
fi
files=()
for f in "$@"; do
	path=${f#*=} # benchstat's label=path form
	[ -r "$path" ] || {
		echo "compare.sh: cannot read $path" >&2
		exit 2
	}
	case $path in /*) ;; *) path=$OLDPWD/$path ;; esac
	[ "$f" = "${f#*=}" ] && files+=("$path") || files+=("${f%%=*}=$path")
done
paths=()
for f in "${files[@]}"; do paths+=("${f#*=}"); done

# Config keys of the Go benchmark format: lower-case start, no spaces or upper case.
keys=$(grep -hoE '^[a-z][^ A-Z:]*:' "${paths[@]}" | tr -d : | sort -u | grep -vxE 'tee|pkg|goos|goarch' | paste -sd, - || true)
tees=$(grep -hE '^tee:' "${paths[@]}" | sort -u | wc -l)
col=tee
if [ "$tees" -le 1 ]; then
	col=.file
	keys=$(printf '%s\n' "$keys" tee | grep -v '^$' | paste -sd, -)
fi
exec go tool benchstat -table pkg -col "$col" ${keys:+-ignore "$keys"} ${BENCHSTAT_FLAGS:-} "${files[@]}"
