# teebench as a container image, for dstack CVMs (Phala Cloud), where an
# application is a docker-compose app, and for the baseline run of the same
# image on a host or plain VM (README: "Run on Phala Cloud / dstack").
#
#   docker build -t teebench .
#   docker run --rm -v teebench-results:/results -e TEEBENCH_PROFILE=quick teebench
#
# The build stage compiles every benchmark package's test binary
# (go test -c) and the commands bench.sh and the user need (bench, the
# runner; compare, manifest, report, attest, verify, fromlog) once per tag
# set in TEEBENCH_TAGSETS: "none" goes to /opt/teebench/bin, "tdx" to
# bin-tdx, "gpu" to bin-gpu, "gpu,tdx" to bin-gpu-tdx (the names come from
# `bench -bindir`, which the entrypoint uses to pick the set from TAGS).
# TEEBENCH_REVISION (the build uses -buildvcs=false) is the suite revision
# the runner writes into every result file:
#
#   docker build --build-arg TEEBENCH_REVISION=$(git rev-parse HEAD) -t teebench . The
# runtime stage holds the reference tools (fio, 7-Zip, ab, wrk), gcc for
# the C STREAM triad, the source tree (package testdata) and the binaries;
# no Go toolchain. The GPU variant:
#
#   docker build -t teebench:gpu \
#     --build-arg TEEBENCH_TAGSETS="none tdx gpu gpu,tdx" \
#     --build-arg RUNTIME_IMAGE=nvidia/cuda:12.8.1-runtime-ubuntu24.04 .
#
# (the CUDA runtime image brings cuBLAS; the NVIDIA container runtime
# brings the driver and NVML).
ARG GO_IMAGE=golang:1.26-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${GO_IMAGE} AS build
ARG GOPROXY
ARG GOFLAGS=-buildvcs=false
ENV GOPROXY=${GOPROXY} GOFLAGS=${GOFLAGS} CGO_ENABLED=1
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TEEBENCH_TAGSETS="none tdx"
RUN set -eu; \
    go build -trimpath -o /tmp/bench ./scripts/bench; \
    for ts in ${TEEBENCH_TAGSETS}; do \
      tags=$(echo "$ts" | sed 's/^none$//'); \
      dir=/out/$(/tmp/bench -bindir "$ts"); \
      mkdir -p "$dir"; \
      pkgs="cpu_bench io_bench net_bench zk_bench llm_bench"; \
      case ",$tags," in *,gpu,*) pkgs="$pkgs gpu_bench" ;; esac; \
      for p in $pkgs; do \
        echo "build: $p.test (tags: ${tags:-none})"; \
        go test -trimpath ${tags:+-tags "$tags"} -c -o "$dir/$p.test" "./$p"; \
      done; \
      go build -trimpath ${tags:+-tags "$tags"} -o "$dir/" ./scripts/bench ./scripts/compare ./scripts/manifest ./scripts/report ./scripts/attest ./scripts/verify ./scripts/fromlog; \
    done; \
    ls -l /out/*

FROM ${RUNTIME_IMAGE}
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && \
    apt-get install -y --no-install-recommends fio 7zip apache2-utils wrk gcc libc6-dev ca-certificates hostname && \
    rm -rf /var/lib/apt/lists/*
COPY . /opt/teebench
COPY --from=build /out/ /opt/teebench/
WORKDIR /opt/teebench
ARG TEEBENCH_REVISION="unknown (built without --build-arg TEEBENCH_REVISION)"
ENV OUTDIR=/results TEEBENCH_PROFILE=quick TEEBENCH_REVISION=${TEEBENCH_REVISION}
VOLUME /results
LABEL org.opencontainers.image.title="teebench" \
      org.opencontainers.image.description="Confidential-computing overhead benchmarks (Intel TDX CVMs, NVIDIA GPUs in CC mode); results printed to the log between teebench-begin/end markers"
ENTRYPOINT ["/opt/teebench/scripts/entrypoint.sh"]
