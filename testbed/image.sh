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
  --include=systemd,systemd-sysv,python3,dbus,iproute2,procps,sudo,ca-certificates,nftables,openssh-server \
  bookworm "$root" >"$PINFLEET_CACHE/debootstrap.log" 2>&1 \
  || die "debootstrap failed, see $PINFLEET_CACHE/debootstrap.log"
# ufw and firewalld are installed but off, as on a host that does not use
# them; the scenarios turn one on where they test it. (Through apt: polkitd,
# which firewalld needs, does not configure inside debootstrap.)
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
{
  chroot "$root" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y -qq --no-install-recommends ufw firewalld
} >>"$PINFLEET_CACHE/debootstrap.log" 2>&1 || die "installing ufw and firewalld failed, see $PINFLEET_CACHE/debootstrap.log"
rm -f "$root/usr/sbin/policy-rc.d" "$root"/etc/systemd/system/*.wants/firewalld.service \
  "$root/etc/systemd/system/dbus-org.fedoraproject.FirewallD1.service"
# Units that make no sense in a container and slow every boot.
for unit in systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | podman import --change 'CMD ["/sbin/init"]' - "$image" >/dev/null
echo "$image"
