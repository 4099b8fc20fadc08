#!/bin/sh
# Runs inside the freshly debootstrap'd rootfs (chroot, with /proc, /sys and /dev mounted in a private
# mount namespace), as root. Environment: SH_SUITE, SH_PACKAGES, SH_MIRROR, SH_SECURITY_MIRROR.
set -eu
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin

# No service may start inside the chroot (docker.io's postinst would try).
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d

cat >/etc/apt/sources.list <<SOURCES
deb $SH_MIRROR $SH_SUITE main
deb $SH_MIRROR $SH_SUITE-updates main
deb $SH_SECURITY_MIRROR $SH_SUITE-security main
SOURCES
# shellcheck disable=SC2086 # a word list
if ! { apt-get update && apt-get install -y --no-install-recommends $SH_PACKAGES; } >/tmp/apt.log 2>&1; then
  tail -40 /tmp/apt.log >&2
  exit 1
fi

# The test user: may use the engine through the docker group, nothing else.
useradd --create-home --shell /bin/bash --groups docker dev

# The inner engine's test image (there is no registry inside): a busybox-static rootfs, imported
# by `scripts/systemd-host.sh run` with
#   docker import -c 'CMD ["sh"]' /usr/local/share/systemd-host/busybox.tar sw-test/busybox:latest
mkdir -p /tmp/bb/bin /tmp/bb/etc /tmp/bb/tmp /usr/local/share/systemd-host
cp /bin/busybox /tmp/bb/bin/busybox
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -s busybox "/tmp/bb/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' >/tmp/bb/etc/passwd
tar -C /tmp/bb --numeric-owner -cf /usr/local/share/systemd-host/busybox.tar .
rm -rf /tmp/bb

# Every container gets its own machine id (systemd makes one at boot when the file is empty); the
# engine provides /etc/hostname, /etc/hosts and /etc/resolv.conf.
: >/etc/machine-id
ln -sf /etc/machine-id /var/lib/dbus/machine-id
echo localhost >/etc/hostname
: >/etc/resolv.conf

rm -f /usr/sbin/policy-rc.d
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt/* /tmp/* /var/tmp/*
