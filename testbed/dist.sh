#!/usr/bin/env bash
# Fills the local release mirror with kubo and ipfs-cluster archives laid out
# like the official download site:
#   <dist>/<version>/<dist>_<version>_linux-amd64.tar.gz (+ .sha512)
# Official archives are fetched when that site answers; otherwise the programs
# are built from their Go modules. Results are cached outside the checkout,
# keyed by program and version, so only the first run pays.
#
# usage: testbed/dist.sh [all|new|old]   (default: new)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

which=${1:-new}
official=${PINFLEET_OFFICIAL_DIST:-https://dist.ipfs.tech}
mirror="$PINFLEET_CACHE/mirror"
mkdir -p "$mirror"

# archive <dist> <version> <dir-with-binaries>: pack like the official release.
archive() {
  local dist=$1 version=$2 bindir=$3
  local out="$mirror/$dist/$version" name="${dist}_${version}_linux-amd64.tar.gz"
  local stage
  stage=$(mktemp -d)
  mkdir -p "$stage/$dist" "$out"
  cp "$bindir"/* "$stage/$dist/"
  tar -C "$stage" --owner=0 --group=0 --sort=name --mtime=@0 -czf "$out/$name.tmp" "$dist"
  rm -rf "$stage"
  mv "$out/$name.tmp" "$out/$name"
  (cd "$out" && sha512sum "$name" >"$name.sha512")
}

# official <dist> <version>: try the official archive; 1 if unreachable.
official() {
  local dist=$1 version=$2 out="$mirror/$1/$2" name="${1}_${2}_linux-amd64.tar.gz"
  mkdir -p "$out"
  curl -fsS --connect-timeout 5 --max-time 600 -o "$out/$name.sha512.tmp" \
    "$official/$dist/$version/$name.sha512" 2>/dev/null || { rm -f "$out/$name.sha512.tmp"; return 1; }
  curl -fsS --max-time 600 -o "$out/$name" "$official/$dist/$version/$name"
  mv "$out/$name.sha512.tmp" "$out/$name.sha512"
  (cd "$out" && sha512sum -c --quiet "$name.sha512")
}

# Dependencies raised above what a release asks for, because the release's own
# version no longer compiles with this Go (cockroachdb/swiss links into runtime
# internals that Go 1.26 changed; kubo v0.36 and older need the newer one).
go_upgrades=(github.com/cockroachdb/swiss@v0.0.0-20260820225851-333444432258)

# Modules held back for one release. kubo v0.43.1 replaces go-libp2p with a
# fork (for newer quic-go and webtransport-go) that the module proxy does not
# serve; holding those two at the versions go-libp2p v0.49.0 was released with
# (as kubo v0.43.0 does) builds it from served modules. A private network
# uses neither QUIC nor WebTransport.
declare -A go_pins=(
  [github.com/ipfs/kubo@v0.43.1]="github.com/quic-go/quic-go@v0.60.0 github.com/quic-go/webtransport-go@v0.11.1"
)

# build <module> <version> <pkg>...: build programs from the Go module proxy
# in a throwaway module, so each program/version gets its own dependency set.
build() {
  local module=$1 version=$2
  shift 2
  local work bin
  work=$(mktemp -d)
  bin="$work/bin"
  mkdir -p "$bin"
  (
    cd "$work"
    go mod init pinfleet.build >/dev/null 2>&1
    for pin in ${go_pins[$module@$version]:-}; do
      go mod edit -replace="${pin%@*}=$pin"
    done
    for pkg in "$@"; do
      go get -tool "$module/$pkg@$version"
    done
    for dep in "${go_upgrades[@]}"; do
      if go list -m "${dep%@*}" >/dev/null 2>&1; then go get "$dep"; fi
    done
    for pkg in "$@"; do
      CGO_ENABLED=0 go build -trimpath -o "$bin/$(basename "$pkg")" "$module/$pkg"
    done
  )
  echo "$bin"
}

have() { [ -s "$mirror/$1/$2/${1}_${2}_linux-amd64.tar.gz.sha512" ]; }

get_kubo() {
  local v=$1
  have kubo "$v" && return 0
  official kubo "$v" && return 0
  log "building kubo $v from its Go module (minutes on a cold cache)"
  local bin
  bin=$(build github.com/ipfs/kubo "$v" cmd/ipfs)
  archive kubo "$v" "$bin"
  rm -rf "$(dirname "$bin")"
}

get_cluster() {
  local v=$1 d
  if have ipfs-cluster-service "$v" && have ipfs-cluster-ctl "$v"; then return 0; fi
  if official ipfs-cluster-service "$v" && official ipfs-cluster-ctl "$v"; then return 0; fi
  log "building ipfs-cluster $v from its Go module (minutes on a cold cache)"
  local bin
  bin=$(build github.com/ipfs-cluster/ipfs-cluster "$v" cmd/ipfs-cluster-service cmd/ipfs-cluster-ctl)
  for d in ipfs-cluster-service ipfs-cluster-ctl; do
    local one
    one=$(mktemp -d)
    cp "$bin/$d" "$one/"
    archive "$d" "$v" "$one"
    rm -rf "$one"
  done
  rm -rf "$(dirname "$bin")"
}

case $which in
  new | all)
    get_kubo "$(version pinfleet_test_kubo_version)"
    get_cluster "$(version pinfleet_test_cluster_version)"
    ;;&
  old | all)
    get_kubo "$(version pinfleet_test_kubo_old_version)"
    get_cluster "$(version pinfleet_test_cluster_old_version)"
    ;;
  new) ;;
  *) die "usage: $0 [all|new|old]" ;;
esac
log "release mirror ready: $mirror"
