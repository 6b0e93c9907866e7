#!/usr/bin/env bash
# Builds a Debian host image that boots systemd, once per recipe and release:
# usage: testbed/image.sh 12|13 (bookworm or trixie), prints the image's name.
# The tag is the release and a digest of this file, so editing it builds anew.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

release=${1:?usage: testbed/image.sh 12|13}
case $release in
  12) suite=bookworm ;;
  13) suite=trixie ;;
  *) die "no Debian release $release here: build 12 (bookworm) or 13 (trixie)" ;;
esac
image=$(image_name "$release")
if podman image exists "$image"; then
  echo "$image"
  exit 0
fi
log "building host image $image (debootstrap $suite, a minute or two)"
root=$(mktemp -d "$PINFLEET_CACHE/rootfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
build_log="$PINFLEET_CACHE/debootstrap-$suite.log"
debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,python3,dbus,iproute2,procps,sudo,ca-certificates,nftables,openssh-server \
  "$suite" "$root" >"$build_log" 2>&1 \
  || die "debootstrap $suite failed, see $build_log"
# ufw and firewalld are installed but off, as on a host that does not use
# them; the scenarios turn one on where they test it. (Through apt: polkitd,
# which firewalld needs, does not configure inside debootstrap.)
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
{
  chroot "$root" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y -qq --no-install-recommends ufw firewalld
} >>"$build_log" 2>&1 || die "installing ufw and firewalld failed, see $build_log"
rm -f "$root/usr/sbin/policy-rc.d" "$root"/etc/systemd/system/*.wants/firewalld.service \
  "$root/etc/systemd/system/dbus-org.fedoraproject.FirewallD1.service"
# Units that make no sense in a container and slow every boot.
for unit in systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | podman import --change 'CMD ["/sbin/init"]' - "$image" >/dev/null
echo "$image"
