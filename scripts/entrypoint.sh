#!/usr/bin/env bash
# entrypoint.sh is the teebench container's entrypoint: it runs the suite
# through scripts/bench.sh on the image's prebuilt binaries, writes the
# result file, its skip list, report and evidence to $OUTDIR (/results, a
# volume), and then prints each of those files to stdout between
#
#   ==> teebench-begin <name> sha512=<hex> <==
#   ==> teebench-end <name> <==
#
# lines, so that `docker logs` or dstack's log endpoint gives them back byte
# for byte: `go run ./scripts/fromlog LOG` rebuilds them (internal/logfile).
#
# Environment: everything bench.sh reads (TEEBENCH_PROFILE, TAGS, PKGS,
# BENCH, COUNT, BENCHTIME, BASELINE, TEEBENCH_DEADLINE) and the TEEBENCH_*
# variables; bench.sh runs the runner prebuilt ($TEEBENCH_BINDIR/bench).
# OUTDIR defaults to /results. TAGS picks the binaries built with those
# tags: /opt/teebench/bin (none), bin-tdx, bin-gpu, bin-gpu-tdx (tags in
# name order).
# TEEBENCH_BINDIR overrides the choice. Arguments, if any, are run instead
# (e.g. `docker run IMAGE verify /results/x.txt`).
#
# Exit status: bench.sh's; 2 when $OUTDIR is not writable (checked before
# any benchmark runs) or the binaries for TAGS are not in the image.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

if [ $# -gt 0 ]; then
	exec "$@"
fi

outdir=${OUTDIR:-/results}
probe="$outdir/.teebench-write-test.$$"
if ! mkdir -p "$outdir" 2>/dev/null || ! (: >"$probe") 2>/dev/null; then
	echo "entrypoint: $outdir is not writable; mount a writable volume there (docker run -v teebench-results:$outdir, or the compose file's results volume). No benchmark was run." >&2
	exit 2
fi
rm -f "$probe"

if [ -z "${TEEBENCH_BINDIR:-}" ]; then
	# The runner names the binary sets (bin, bin-tdx, bin-gpu-tdx); any
	# set's bench command says which one TAGS picks.
	for b in "$root"/bin*/bench; do break; done
	TEEBENCH_BINDIR=$root/$("$b" -bindir "${TAGS:-}") || exit 2
fi
if [ ! -x "$TEEBENCH_BINDIR/bench" ]; then
	echo "entrypoint: no binaries for TAGS=${TAGS:-} in $TEEBENCH_BINDIR (this image has: $(cd "$root" && echo bin*)); build the image with the variant that has them." >&2
	exit 2
fi
export TEEBENCH_BINDIR OUTDIR=$outdir

# Files present before the run are not this run's outputs.
before=$(mktemp)
trap 'rm -f "$before"' EXIT
find "$outdir" -maxdepth 1 -type f -printf '%f\n' | sort >"$before"

"$here/bench.sh"
rc=$?

# This run's outputs: the files that are new in $outdir (not the report's
# charts directory), result files first, then their skip lists, quotes,
# evidence and reports, in name order.
mapfile -t new < <(find "$outdir" -maxdepth 1 -type f -printf '%f\n' | sort | comm -13 "$before" -)
if [ ${#new[@]} -eq 0 ]; then
	echo "entrypoint: bench.sh wrote nothing to $outdir (exit $rc)" >&2
	exit "$rc"
fi
paths=()
for f in "${new[@]}"; do
	case $f in *.txt) paths+=("$outdir/$f") ;; esac
done
for f in "${new[@]}"; do
	case $f in *.txt) ;; *) paths+=("$outdir/$f") ;; esac
done
echo "entrypoint: bench.sh exited $rc; printing ${#paths[@]} file(s) from $outdir for scripts/fromlog" >&2
if ! "$TEEBENCH_BINDIR/fromlog" -print "${paths[@]}"; then
	[ "$rc" -ne 0 ] || rc=1
fi
exit "$rc"
