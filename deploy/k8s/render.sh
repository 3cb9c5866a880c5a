#!/usr/bin/env bash
# Render one overlay of the Kubernetes manifests to stdout with a pinned kustomize.
#
#   deploy/k8s/render.sh dev|prod          the rendered YAML (multi-document) on stdout
#   deploy/k8s/render.sh --install-only    just make sure the pinned kustomize is installed
#
# kustomize is built from source through the Go module proxy on first use
# (`go install sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION`) into .cache/bin, with
# every Go path (module cache, build cache) under .cache/go, so nothing outside the
# repository is touched and `rm -rf .cache` undoes it. Later runs reuse the binary. Needs a
# Go toolchain >= 1.22.7 (older `go` commands cannot fetch the newer toolchain by themselves).
# A kubectl on the machine is deliberately not used: CI machines do not have one.
set -euo pipefail

# v5.7.1 builds with Go >= 1.22.7 (Debian trixie ships 1.24); v5.8.x needs Go 1.24-1.27.
KUSTOMIZE_VERSION=v5.7.1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
K8S="$ROOT/deploy/k8s"
BIN="$ROOT/.cache/bin"
KUSTOMIZE="$BIN/kustomize-$KUSTOMIZE_VERSION"

usage() {
    local overlays=("$K8S"/overlays/*/)
    overlays=("${overlays[@]%/}")
    echo "usage: $0 ${overlays[*]##*/} | --install-only" >&2
    exit 2
}

install_kustomize() {
    [[ -x "$KUSTOMIZE" ]] && return 0
    command -v go >/dev/null 2>&1 || {
        echo "render.sh: kustomize $KUSTOMIZE_VERSION is built with Go, and no 'go' is on PATH (https://go.dev/dl/)" >&2
        exit 1
    }
    mkdir -p "$BIN" "$ROOT/.cache/go"
    staging=$(mktemp -d "$ROOT/.cache/go/install.XXXXXX")
    trap 'rm -rf "$staging"' EXIT
    echo "render.sh: installing kustomize $KUSTOMIZE_VERSION into .cache/bin (first use only)" >&2
    # Built in a private directory, then renamed into place: concurrent first runs are safe.
    env GOPATH="$ROOT/.cache/go" GOMODCACHE="$ROOT/.cache/go/mod" GOCACHE="$ROOT/.cache/go/build" \
        GOBIN="$staging" GOFLAGS=-modcacherw GOWORK=off GO111MODULE=on CGO_ENABLED=0 \
        go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" >&2
    mv -f "$staging/kustomize" "$KUSTOMIZE"
}

[[ $# -eq 1 ]] || usage
case "$1" in
    --install-only) install_kustomize; exit 0 ;;
    -*) usage ;;
esac
OVERLAY="$K8S/overlays/$1"
[[ -f "$OVERLAY/kustomization.yaml" ]] || usage
install_kustomize
exec "$KUSTOMIZE" build "$OVERLAY"
