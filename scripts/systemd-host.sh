#!/usr/bin/env bash
# A Debian host with systemd as PID 1 and a stock docker.io, in a container on a test engine: the
# stage for managed mode, which takes over the host's docker.socket with a systemd drop-in.
#
# Usage (as root; the engine is DOCKER_HOST, or SW_DOCKER_HOST from scripts/test-stack.sh env):
#   scripts/systemd-host.sh build                 make the image (cached), print its name
#   scripts/systemd-host.sh run <name> [docker run args…]
#                                                 start one, wait until systemd is up and the inner
#                                                 engine runs a container, print the container id
#   scripts/systemd-host.sh exec <name> <cmd…>    run a command inside (docker exec -i, -t on a tty)
#   scripts/systemd-host.sh logs <name> [journalctl args…]   the journal of the current boot
#   scripts/systemd-host.sh rm <name>             remove the container and its directories
#   scripts/systemd-host.sh ls | image            list ours on the engine | print the image name
#
# The image is sw-test/systemd-host:<hash of systemd-host/recipe.sh and provision.sh>. Its rootfs
# tarball is kept in $SW_SYSTEMD_HOST_CACHE (default /var/cache/socket-warden), so a build on a fresh
# engine is a `docker import`; an engine that already has the image skips the build entirely.
# Per-container directories (the inner /var/lib/docker) live in $SW_SYSTEMD_HOST_DIR (default
# $SW_STACK_DIR/systemd-host when SW_STACK_DIR is set, else /tmp/sw-systemd-host).
# The Debian mirror is the one this machine's apt uses; SW_DEBIAN_MIRROR and
# SW_DEBIAN_SECURITY_MIRROR override it.
#
# How it runs (and why): see scripts/systemd-host/README.md.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
RECIPE_DIR=$HERE/systemd-host
# shellcheck source=systemd-host/recipe.sh
. "$RECIPE_DIR/recipe.sh"

CACHE_DIR=${SW_SYSTEMD_HOST_CACHE:-/var/cache/socket-warden}
if [ -n "${SW_SYSTEMD_HOST_DIR:-}" ]; then
  STATE_DIR=$SW_SYSTEMD_HOST_DIR
elif [ -n "${SW_STACK_DIR:-}" ]; then
  STATE_DIR=$SW_STACK_DIR/systemd-host
else
  STATE_DIR=/tmp/sw-systemd-host
fi
DOCKER=${SW_DOCKER_CLI:-docker}
READY_TIMEOUT=${SW_SYSTEMD_HOST_TIMEOUT:-180}
LABEL=sw-test.systemd-host

# The flags that make systemd (PID 1) and a nested dockerd work on the test engine. --privileged
# is not an option there: it would need CAP_SYS_RESOURCE, which the machine lacks.
RUN_FLAGS=(
  --cap-add ALL --cap-drop SYS_RESOURCE
  --security-opt seccomp=unconfined --security-opt apparmor=unconfined
  -v /sys/fs/cgroup:/sys/fs/cgroup
  --tmpfs /run --tmpfs /run/lock
  --network none
  --stop-signal SIGRTMIN+3
)

trap 'exit 130' INT
trap 'exit 143' TERM

log() { printf '[systemd-host] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

need_root() { [ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot and bind mounts need it)"; }

need_engine() {
  if [ -z "${DOCKER_HOST:-}" ]; then
    [ -n "${SW_DOCKER_HOST:-}" ] || die "set DOCKER_HOST to the test engine (e.g. from scripts/test-stack.sh env)"
    export DOCKER_HOST=$SW_DOCKER_HOST
  fi
  "$DOCKER" version >/dev/null 2>&1 || die "no engine answers at DOCKER_HOST=$DOCKER_HOST"
}

valid_name() {
  [[ ${1:-} =~ ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$ ]] || die "bad name '${1:-}' (letters, digits, _ . -)"
}

recipe_hash() { cat "$RECIPE_DIR/recipe.sh" "$RECIPE_DIR/provision.sh" | sha256sum | cut -c1-12; }
image_name() { echo "sw-test/systemd-host:$(recipe_hash)"; }

# apt_uri <suite>: the first enabled `deb` URI for that suite in this machine's apt sources
# (deb822 .sources files and one-line .list files).
apt_uri() {
  local suite=$1 f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v want="$suite" '
      function flush() {
        if (uri == "" && (" " types " ") ~ / deb / && tolower(enabled) != "no" && (" " suites " ") ~ (" " want " ")) {
          split(uris, u, " "); uri = u[1]
        }
        types = ""; uris = ""; suites = ""; enabled = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      /^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
      /^URIs:/ { sub(/^URIs:[ \t]*/, ""); uris = $0 }
      /^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
      /^Enabled:/ { sub(/^Enabled:[ \t]*/, ""); enabled = $0 }
      END { flush(); if (uri != "") print uri }
    ' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk -v want="$suite" '$1 == "deb" && $3 == want { print $2 }'
  done
}

mirrors() {
  MIRROR=${SW_DEBIAN_MIRROR:-$(apt_uri "$SH_SUITE" | head -1)}
  SECURITY_MIRROR=${SW_DEBIAN_SECURITY_MIRROR:-$(apt_uri "$SH_SUITE-security" | head -1)}
  if [ -z "$MIRROR" ]; then
    MIRROR=http://deb.debian.org/debian
    log "no apt source for $SH_SUITE on this machine; using $MIRROR"
  fi
  if [ -z "$SECURITY_MIRROR" ]; then
    SECURITY_MIRROR=http://deb.debian.org/debian-security
    log "no apt source for $SH_SUITE-security on this machine; using $SECURITY_MIRROR"
  fi
}

# mounts_under <dir>: mount points at or below dir, deepest first.
mounts_under() {
  awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r
}

# remove_tree <dir>: unmount what is left below it, then delete it without crossing filesystems.
remove_tree() {
  local dir=$1 m
  [ -e "$dir" ] || return 0
  while read -r m; do
    [ -n "$m" ] || continue
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done < <(mounts_under "$dir")
  if [ -n "$(mounts_under "$dir")" ]; then
    die "still mounted below $dir, not deleting it: $(mounts_under "$dir" | tr '\n' ' ')"
  fi
  rm -rf --one-file-system "$dir"
}

# make_rootfs <tarball>: debootstrap + provision.sh in a chroot, packed as a tarball.
make_rootfs() {
  local out=$1 work root t
  mirrors
  work=$(mktemp -d "${TMPDIR:-/tmp}/sw-systemd-host-build.XXXXXX")
  # shellcheck disable=SC2064 # expand now: $work and $out are local
  trap "rm -f '$out.tmp.$$'; remove_tree '$work'" EXIT
  root=$work/rootfs
  command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install debootstrap)"

  t=$(now)
  log "debootstrap --variant=$SH_VARIANT --include=$SH_INCLUDE $SH_SUITE from $MIRROR"
  # A private mount namespace: whatever debootstrap or the chroot mounts (/proc, /sys, /dev) goes
  # away with it, even when interrupted.
  if ! unshare --mount --propagation private \
      debootstrap --variant="$SH_VARIANT" --include="$SH_INCLUDE" "$SH_SUITE" "$root" "$MIRROR" \
      >"$work/debootstrap.log" 2>&1; then
    tail -30 "$work/debootstrap.log" >&2
    [ -f "$root/debootstrap/debootstrap.log" ] && tail -30 "$root/debootstrap/debootstrap.log" >&2
    die "debootstrap failed"
  fi
  log "debootstrap done in $(since "$t")"

  t=$(now)
  log "provisioning: $SH_PACKAGES"
  cp "$RECIPE_DIR/provision.sh" "$root/tmp/provision.sh"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  SH_SUITE=$SH_SUITE SH_PACKAGES=$SH_PACKAGES SH_MIRROR=$MIRROR SH_SECURITY_MIRROR=$SECURITY_MIRROR \
    unshare --mount --propagation private sh -ec '
      r=$1
      mount -t proc proc "$r/proc"
      mount -t sysfs sysfs "$r/sys"
      mount --bind /dev "$r/dev"
      mount --bind /dev/pts "$r/dev/pts"
      exec chroot "$r" /bin/sh /tmp/provision.sh
    ' provision "$root" || die "provisioning failed"
  log "provisioning done in $(since "$t")"

  t=$(now)
  mkdir -p "$(dirname "$out")"
  tar -C "$root" --numeric-owner --xattrs --xattrs-include='security.capability' \
    --exclude='./proc/*' --exclude='./sys/*' --exclude='./dev/*' -cf "$out.tmp.$$" .
  mv "$out.tmp.$$" "$out"
  log "rootfs tarball $out ($(du -h "$out" | cut -f1)) in $(since "$t")"
  remove_tree "$work"
  trap - EXIT
}

build() {
  need_root
  need_engine
  local image tarball t0 t changes=() c
  image=$(image_name)
  t0=$(now)
  if "$DOCKER" image inspect "$image" >/dev/null 2>&1; then
    log "$image is already on the engine"
    echo "$image"
    return 0
  fi
  tarball=$CACHE_DIR/systemd-host-$(recipe_hash).tar
  mkdir -p "$CACHE_DIR"
  # One build per recipe at a time, across test stacks.
  exec 9>"$tarball.lock"
  flock -n 9 || { log "waiting for another build of this recipe"; flock 9; }
  if "$DOCKER" image inspect "$image" >/dev/null 2>&1; then
    log "$image was imported meanwhile"
    echo "$image"
    return 0
  fi
  if [ -f "$tarball" ]; then
    log "using cached rootfs $tarball"
  else
    make_rootfs "$tarball"
  fi
  t=$(now)
  for c in "${SH_IMPORT_CHANGES[@]}"; do changes+=(--change "$c"); done
  "$DOCKER" import "${changes[@]}" "$tarball" "$image" >/dev/null
  exec 9>&-
  log "imported $image in $(since "$t") (build total $(since "$t0"))"
  echo "$image"
}

is_ours() { [ "$("$DOCKER" inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$1" 2>/dev/null)" != "" ]; }

# inside <name> <cmd…>: run a command inside, quietly.
inside() { local c=$1; shift; "$DOCKER" exec "$c" "$@"; }

wait_ready() {
  local c=$1 t0 deadline st
  t0=$(now)
  deadline=$((SECONDS + READY_TIMEOUT))
  while :; do
    if [ "$("$DOCKER" inspect -f '{{.State.Running}}' "$c" 2>/dev/null)" != true ]; then
      "$DOCKER" logs --tail 40 "$c" >&2 || true
      log "$c stopped while booting"; return 1
    fi
    st=$(inside "$c" systemctl is-system-running 2>/dev/null || true)
    case $st in running | degraded) break ;; esac
    [ $SECONDS -lt $deadline ] || { boot_report "$c"; log "systemd in $c not up after ${READY_TIMEOUT}s (state: ${st:-none})"; return 1; }
    sleep 0.2
  done
  log "systemd is $st after $(since "$t0")"
  [ "$st" = running ] || boot_report "$c"

  # docker.socket is listening; the first client starts docker.service.
  until inside "$c" docker info >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { boot_report "$c"; log "the inner engine in $c does not answer after ${READY_TIMEOUT}s"; return 1; }
    sleep 0.2
  done
  log "inner engine answers after $(since "$t0")"

  inside "$c" docker import -c 'CMD ["sh"]' /usr/local/share/systemd-host/busybox.tar sw-test/busybox:latest >/dev/null
  [ "$(inside "$c" docker run --rm sw-test/busybox:latest echo inner-ok 2>&1)" = inner-ok ] ||
    { boot_report "$c"; log "the inner engine in $c cannot run a container"; return 1; }
  log "inner engine ran sw-test/busybox:latest; ready after $(since "$t0")"
}

boot_report() {
  local c=$1
  log "failed units in $1:"
  inside "$c" systemctl --failed --no-legend --plain >&2 2>/dev/null || true
  log "journal tail:"
  inside "$c" journalctl -b --no-pager -n 40 -p warning >&2 2>/dev/null || true
}

run() {
  need_root
  valid_name "${1:-}"
  local name=$1 image dir id t0
  shift
  need_engine
  t0=$(now)
  "$DOCKER" inspect "$name" >/dev/null 2>&1 && die "a container named $name exists (scripts/systemd-host.sh rm $name)"
  image=$(build)
  dir=$STATE_DIR/$name
  if [ -e "$dir" ]; then
    [ -f "$dir/.systemd-host" ] || die "$dir exists and is not one of ours; not touching it"
    log "removing the leftovers of an earlier $name in $dir"
    remove_inner_cgroups "$dir"
    remove_tree "$dir"
  fi
  mkdir -p "$dir/var-lib-docker"
  touch "$dir/.systemd-host"
  id=$("$DOCKER" run -d --name "$name" --hostname "$name" \
    --label "$LABEL=$(recipe_hash)" --label "$LABEL.dir=$dir" \
    "${RUN_FLAGS[@]}" -v "$dir/var-lib-docker:/var/lib/docker" \
    "$@" "$image")
  log "started $name ($image), waiting for systemd and the inner engine"
  wait_ready "$name" || die "$name is not ready; it is left running for a look (scripts/systemd-host.sh logs|rm $name)"
  log "$name up in $(since "$t0")"
  echo "$id"
}

exec_in() {
  valid_name "${1:-}"
  local name=$1 flags=(-i)
  shift
  [ $# -gt 0 ] || die "usage: $0 exec <name> <cmd…>"
  need_engine
  if [ -t 0 ] && [ -t 1 ]; then flags+=(-t); fi
  exec "$DOCKER" exec "${flags[@]}" "$name" "$@"
}

logs() {
  valid_name "${1:-}"
  local name=$1
  shift
  need_engine
  if [ "$("$DOCKER" inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" = true ]; then
    exec "$DOCKER" exec "$name" journalctl -b --no-pager "$@"
  fi
  log "$name is not running; its console output:"
  exec "$DOCKER" logs "$name"
}

# remove_inner_cgroups <dir>: the inner engine puts its containers' cgroups at /docker/<id> of the
# machine's cgroup tree (it sees the whole tree, bound at /sys/fs/cgroup): beside the outer container,
# not under it. Killing the outer container kills the inner ones (nested PID namespaces) but leaves
# those cgroups behind; remove them, for every container the inner engine knew. Call it once the
# outer container is gone.
remove_inner_cgroups() {
  local dir=$1 id cg try
  [ -d "$dir/var-lib-docker/containers" ] || return 0
  for id in $(ls "$dir/var-lib-docker/containers"); do
    [[ $id =~ ^[0-9a-f]{64}$ ]] || continue
    for cg in /sys/fs/cgroup/*/docker/"$id"; do
      [ -d "$cg" ] || continue
      for try in 1 2 3 4 5 6 7 8 9 10; do rmdir "$cg" 2>/dev/null && break; sleep 0.2; done
    done
  done
}

rm_host() {
  need_root
  valid_name "${1:-}"
  local name=$1 dir=
  need_engine
  if "$DOCKER" inspect "$name" >/dev/null 2>&1; then
    is_ours "$name" || die "$name is not a systemd-host container"
    dir=$("$DOCKER" inspect -f "{{index .Config.Labels \"$LABEL.dir\"}}" "$name")
    "$DOCKER" rm -f -v "$name" >/dev/null
    log "removed container $name"
  fi
  [ -n "$dir" ] || dir=$STATE_DIR/$name
  if [ -f "$dir/.systemd-host" ]; then
    remove_inner_cgroups "$dir"
    remove_tree "$dir"
    log "removed $dir"
  fi
}

case "${1:-}" in
  build) build ;;
  run) shift; run "$@" ;;
  exec) shift; exec_in "$@" ;;
  logs) shift; logs "$@" ;;
  rm) shift; rm_host "$@" ;;
  ls) need_engine; "$DOCKER" ps -a --filter "label=$LABEL" --format '{{.Names}}\t{{.Status}}\t{{.Image}}' ;;
  image) image_name ;;
  *) sed -n '5,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
