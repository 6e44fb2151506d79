#!/usr/bin/env bash
# ci-docker.sh builds the real teebench image from the repository's
# Dockerfile and runs it, as CI (.ci/run) does:
#
#   1. starts a private dockerd (own data root and socket, no bridge network,
#      no iptables) and stops it, removing its data root, on exit;
#   2. makes the two base images offline, since Docker Hub is unreachable:
#      debian:bookworm-slim from `mmdebstrap --variant=apt bookworm`, and a
#      golang:1.26-bookworm stand-in from it plus this machine's Go toolchain
#      and CA bundle (the module proxy is reached through a TLS proxy only
#      that bundle trusts). The Dockerfile stays the one users build;
#   3. docker build --network host (GOPROXY passed through);
#   4. checks that TAGS=tdx refuses this non-TDX machine, TAGS=snp this
#      non-SEV-SNP one (when the image has bin-snp), and that a read-only
#      /results fails, all before any benchmark;
#   5. runs the smoke profile in the container (--network none), rebuilds
#      the files from `docker logs` with scripts/fromlog, and checks each is
#      byte for byte the /results copy and the result file starts with
#      `tee: none`.
#
# CI_DOCKER_TAGSETS overrides the Dockerfile's TEEBENCH_TAGSETS ("cpu":
# none and each TEE's tag, `bench -tagsets`) to save build time. Needs root, apt (docker.io, mmdebstrap) and Go. Each step prints the time
# since the start and how long the previous step took. Everything (data
# root, socket, logs, results) lives in ${CI_DOCKER_DIR:-a fresh temp dir
# under /var/tmp}, removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
last=$t0
step() {
	local now
	now=$(date +%s)
	echo "=== docker [+$((now - t0))s; previous step $((now - last))s] $*"
	last=$now
}

step "install docker.io and mmdebstrap"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
if ! command -v dockerd >/dev/null || ! command -v mmdebstrap >/dev/null; then
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq docker.io mmdebstrap >/dev/null
fi

work=${CI_DOCKER_DIR:-$(mktemp -d /var/tmp/teebench-docker.XXXXXX)}
mkdir -p "$work"
export DOCKER_HOST=unix://$work/docker.sock
dockerd_pid=""
cleanup() {
	set +e
	docker rm -f teebench-smoke >/dev/null 2>&1
	if [ -n "$dockerd_pid" ]; then
		$sudo kill "$dockerd_pid" 2>/dev/null
		for _ in $(seq 30); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 1; done
	fi
	# overlay mounts left by a killed daemon would keep the data root busy
	grep -o " $work/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 $sudo umount 2>/dev/null
	$sudo rm -rf "$work"
}
trap cleanup EXIT

step "start dockerd (data root $work/root, no bridge, no iptables)"
$sudo dockerd --data-root "$work/root" --exec-root "$work/exec" --pidfile "$work/docker.pid" \
	-H "$DOCKER_HOST" --bridge none --iptables=false --ip-masq=false >"$work/dockerd.log" 2>&1 &
dockerd_pid=$!
for _ in $(seq 60); do
	docker version >/dev/null 2>&1 && break
	kill -0 "$dockerd_pid" 2>/dev/null || {
		tail -20 "$work/dockerd.log"
		exit 1
	}
	sleep 1
done
docker version --format 'docker server {{.Server.Version}}'

step "debian:bookworm-slim from mmdebstrap --variant=apt bookworm"
mmdebstrap --quiet --variant=apt bookworm "$work/rootfs.tar"
docker import "$work/rootfs.tar" debian:bookworm-slim >/dev/null
rm -f "$work/rootfs.tar"

step "golang:1.26-bookworm stand-in: debian + gcc + this machine's $(go version | cut -d' ' -f3) + CA bundle"
goroot=$(go env GOROOT)
cid=$(docker create --network host -v "$goroot:/mnt/go:ro" -v /etc/ssl/certs/ca-certificates.crt:/mnt/ca.crt:ro \
	debian:bookworm-slim bash -c 'set -e
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends gcc libc6-dev git >/dev/null
		cp -a /mnt/go /usr/local/go
		mkdir -p /etc/ssl/certs && cp /mnt/ca.crt /etc/ssl/certs/ca-certificates.crt')
docker start -a "$cid"
docker commit --change 'ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
	--change 'ENV GOPATH=/go' --change 'ENV GOTOOLCHAIN=local' --change 'WORKDIR /go' "$cid" golang:1.26-bookworm >/dev/null
docker rm "$cid" >/dev/null

step "docker build --network host -t teebench:ci . (the repository's Dockerfile)"
bstart=$(date +%s)
set +e
tagsets=()
[ -z "${CI_DOCKER_TAGSETS:-}" ] || tagsets=(--build-arg "TEEBENCH_TAGSETS=$CI_DOCKER_TAGSETS")
docker build --network host --build-arg GOPROXY="$(go env GOPROXY)" --build-arg TEEBENCH_REVISION="$(git rev-parse HEAD 2>/dev/null || echo unknown)" "${tagsets[@]}" -t teebench:ci . 2>&1 |
	tee "$work/build.log" | grep --line-buffered -E '^(Step |build: |Successfully)'
brc=${PIPESTATUS[0]}
set -e
if [ "$brc" -ne 0 ]; then
	echo "docker build failed (exit $brc):"
	tail -40 "$work/build.log"
	exit 1
fi
echo "image build took $(($(date +%s) - bstart))s; image $(docker image inspect -f '{{.Id}} {{.Size}}' teebench:ci) bytes"
image_id=$(docker image inspect -f '{{.Id}}' teebench:ci)

echo "binary sets: $(docker run --rm --network none --entrypoint sh teebench:ci -c 'cd /opt/teebench && echo bin*')"

# refuses TAG TEXT: the image run with TAGS=TAG fails before the first
# benchmark with TEXT in its output (this machine is no TEE guest).
refuses() {
	local res=$work/$1-results out
	mkdir -p "$res"
	if out=$(docker run --rm --network none -v "$res:/results" -e TAGS="$1" teebench:ci 2>&1); then
		echo "TAGS=$1 ran on a machine that is not its TEE's guest:"
		echo "$out"
		exit 1
	fi
	if ! echo "$out" | grep -q "$2" || echo "$out" | grep -q '^\[1/'; then
		echo "TAGS=$1 did not fail with '$2' before the benchmarks:"
		echo "$out"
		exit 1
	fi
	echo "ok: $(echo "$out" | grep -m1 "$2" | cut -c1-160)…"
}

step "TAGS=tdx on this non-TDX machine: the tdx binaries refuse before any benchmark"
refuses tdx "not a TDX guest"

step "TAGS=snp on this non-SEV-SNP machine: the snp binaries refuse before any benchmark"
if docker run --rm --network none --entrypoint sh teebench:ci -c 'test -d /opt/teebench/bin-snp'; then
	refuses snp "not an SEV-SNP guest"
else
	echo "not checked: this image has no bin-snp (CI_DOCKER_TAGSETS=${CI_DOCKER_TAGSETS:-})"
fi

step "a read-only /results fails before any benchmark"
ro=$work/ro-results
mkdir -p "$ro"
if out=$(docker run --rm --network none -v "$ro:/results:ro" teebench:ci 2>&1); then
	echo "the container ran with a read-only /results:"
	echo "$out"
	exit 1
fi
echo "$out" | grep -q "is not writable" || {
	echo "no clear message for a read-only /results:"
	echo "$out"
	exit 1
}
if echo "$out" | grep -q 'bench.sh:'; then
	echo "bench.sh started although /results is read-only"
	exit 1
fi
echo "ok: $(echo "$out" | head -1)"

step "smoke profile in the container (--network none)"
res=$work/results
io=$work/iotest
mkdir -p "$res" "$io"
rc=0
docker run --name teebench-smoke --network none -v "$res:/results" -v "$io:/iotest" \
	-e TEEBENCH_PROFILE=smoke -e BENCHTIME=1x -e TEEBENCH_IO_DIR=/iotest \
	-e TEEBENCH_IMAGE="teebench:ci@$image_id" teebench:ci >/dev/null 2>&1 || rc=$?
docker logs teebench-smoke >"$work/smoke.log" 2>&1
echo "container exit status $rc; $(wc -l <"$work/smoke.log") log lines"
grep -E '^\[[0-9]+/[0-9]+\]|^bench.sh:|^entrypoint:' "$work/smoke.log" || true
[ "$rc" -eq 0 ] || {
	tail -40 "$work/smoke.log"
	exit 1
}

step "rebuild the files from docker logs with scripts/fromlog; cmp with /results"
go build -o "$work/bin/" ./scripts/fromlog ./scripts/fleet
"$work/bin/fromlog" -o "$work/rebuilt" "$work/smoke.log"
n=0
for f in "$work"/rebuilt/*; do
	cmp "$f" "$res/$(basename "$f")"
	echo "cmp ok: $(basename "$f")"
	n=$((n + 1))
done
result=$(ls "$work"/rebuilt/*.txt)
[ "$(echo "$result" | wc -l)" -eq 1 ] || {
	echo "want one result file in the log, got: $result"
	exit 1
}
[ "$n" -eq "$(find "$res" -maxdepth 1 -type f | wc -l)" ] || {
	echo "the log carries $n files, /results has: $(ls "$res")"
	exit 1
}
head -1 "$result" | grep -qx 'tee: none' || {
	echo "the rebuilt result file does not start with 'tee: none':"
	head -3 "$result"
	exit 1
}
grep -m2 -E '^(container-runtime|container-image):' "$result"
if grep -q '^--- FAIL' "$result"; then
	echo "a benchmark failed in the container's smoke pass:"
	grep -A3 '^--- FAIL' "$result"
	exit 1
fi
echo "ok: $(basename "$result") starts with 'tee: none', $(grep -c '^Benchmark' "$result") benchmark lines"

step "scripts/fleet collect on the same docker log (a pod's log has the same markers)"
"$work/bin/fleet" collect --logs "vm=$work/smoke.log" -o "$work/fleet" --report=false
collected=$(find "$work/fleet" -name "$(basename "$result")" -type f)
[ -n "$collected" ] || {
	echo "fleet collect did not rebuild $(basename "$result")"
	exit 1
}
cmp "$collected" "$res/$(basename "$result")"
echo "cmp ok: fleet collect rebuilt $(basename "$result") byte for byte"
step "done (dockerd is stopped and $work removed on exit)"
