# The recipe of the systemd-host image: sourced by scripts/systemd-host.sh. The image tag's hash is
# the hash of this file and provision.sh, so everything that changes what ends up in the image lives
# in these two files (and nothing else does: the run/exec/rm logic can change without a rebuild).
# The few build steps that live in systemd-host.sh itself (make_rootfs: the debootstrap call, the
# chroot mounts, the tar flags; build: the import) are covered by this number: bump it when you
# change what they produce.
SH_RECIPE_VERSION=1

# debootstrap --variant="$SH_VARIANT" --include="$SH_INCLUDE" "$SH_SUITE" <rootfs> <mirror>
SH_SUITE=bookworm
SH_VARIANT=minbase
SH_INCLUDE=systemd,systemd-sysv,dbus

# Installed afterwards in the chroot (apt-get --no-install-recommends), from $SH_SUITE,
# $SH_SUITE-updates and $SH_SUITE-security. docker.io brings containerd, runc, tini and iptables;
# busybox-static is the inner engine's test image; curl, procps and iproute2 (ss) are for tests.
SH_PACKAGES="docker.io busybox-static curl procps iproute2"

# docker import --change …: systemd as PID 1, told that it runs in a container. (import takes no
# STOPSIGNAL; `run` passes --stop-signal SIGRTMIN+3, systemd's "halt".)
SH_IMPORT_CHANGES=(
  'CMD ["/sbin/init"]'
  'ENV container=docker'
)
