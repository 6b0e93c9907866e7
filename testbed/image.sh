#!/usr/bin/env bash
# Builds the Debian 12 host image that boots systemd, once per recipe:
# the tag is a digest of this file, so editing it builds a new image.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

image="localhost/pinfleet-debian:$(image_tag)"
if podman image exists "$image"; then
  echo "$image"
  exit 0
fi
log "building host image $image (debootstrap, about a minute)"
root=$(mktemp -d "$PINFLEET_CACHE/rootfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,python3,dbus,iproute2,procps,sudo,ca-certificates,nftables \
  bookworm "$root" >"$PINFLEET_CACHE/debootstrap.log" 2>&1 \
  || die "debootstrap failed, see $PINFLEET_CACHE/debootstrap.log"
# Units that make no sense in a container and slow every boot.
for unit in systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | podman import --change 'CMD ["/sbin/init"]' - "$image" >/dev/null
echo "$image"
