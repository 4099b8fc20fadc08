#!/usr/bin/env bash
# The real test stack: a private engine and a docker-registry on loopback, plus the test images.
# Usage: [SW_ENGINE=docker20|docker26|docker26-containerd|podman] scripts/test-stack.sh install|up|down|env|dir
#
#   docker20             Debian bookworm's docker.io (Docker 20.10, API 1.41)
#   docker26             Debian trixie's docker.io + containerd (Docker 26.1, API 1.45), unpacked into a
#                        cache with dpkg -x and run beside bookworm's runc (trixie's needs glibc 2.38)
#   docker26-containerd  the same Docker 26 with the containerd image store (containerd-snapshotter)
#   podman               Debian bookworm's podman (4.3) serving the Docker API: podman system service
#
# Each engine's stack lives under its own $SW_STACK_DIR (default /tmp/socket-warden-stack for docker20,
# /tmp/socket-warden-stack-<engine> otherwise), with its own registry on a free 127.0.0.1 port, so several
# stacks can run at once. Docker engines get a private containerd started explicitly (never a system
# /run/containerd one) and a daemon.json of their own; podman gets its own root, runroot, tmpdir,
# containers.conf, registries.conf and storage.conf. Nothing here touches an engine the user already
# runs, nor its configuration. `down` stops exactly this stack's processes and mounts.
#
# Trixie's packages (docker.io, containerd, docker-buildx) are fetched once with apt-get download through
# a private apt configuration (its own sources, lists, cache and state under $SW_ENGINE_CACHE, default
# /var/cache/socket-warden-engines) and kept there. Every stack gets a private DOCKER_CONFIG with trixie's
# buildx plugin in it ($SW_DOCKER_CONFIG in the env file). Needs root (the engines do).
set -euo pipefail

ENGINE=${SW_ENGINE:-docker20}
case "$ENGINE" in
  docker20 | docker26 | docker26-containerd | podman) ;;
  *)
    echo "[test-stack] unknown SW_ENGINE=$ENGINE (docker20|docker26|docker26-containerd|podman)" >&2
    exit 2
    ;;
esac
if [ "$ENGINE" = docker20 ]; then DEFAULT_DIR=/tmp/socket-warden-stack; else DEFAULT_DIR=/tmp/socket-warden-stack-$ENGINE; fi
STACK_DIR=${SW_STACK_DIR:-$DEFAULT_DIR}
STACK_DIR=${STACK_DIR%/}
# The engine's socket has a small tmpfs of its own, as /run/docker.sock does on a real host. The stacks
# run side by side, and a test's hard link to its engine's socket is a route Socket Warden must locate
# on that socket's filesystem: on /tmp's filesystem every other stack's daemon would refuse each bind of
# a host directory until its search of / ended (seen: podman and docker26-containerd failing while
# docker20's and docker26's hard-link tests ran).
SOCKET_DIR=$STACK_DIR/engine-socket
ENGINE_SOCKET=$SOCKET_DIR/docker.sock
ENGINE_CACHE=${SW_ENGINE_CACHE:-/var/cache/socket-warden-engines}
TRIXIE=$ENGINE_CACHE/trixie
TRIXIE_MIRROR=${SW_TRIXIE_MIRROR:-http://deb.debian.org/debian}
TRIXIE_PACKAGES=(docker.io containerd docker-buildx)
# Bookworm's runc: trixie's runc needs glibc 2.38, which bookworm does not have.
RUNC=/usr/sbin/runc
BASE_PATH=/usr/sbin:/usr/bin:/sbin:/bin

log() { printf '[test-stack:%s] %s\n' "$ENGINE" "$*" >&2; }
die() {
  log "$*"
  exit 1
}

need_root() {
  if [ "$(id -u)" != 0 ]; then
    die "must run as root (the engines need it); try: sudo SW_ENGINE=$ENGINE $0 $*"
  fi
}

check_stack_dir() {
  case "$STACK_DIR" in
    /?*) ;;
    *) die "SW_STACK_DIR must be an absolute path (got '$STACK_DIR')" ;;
  esac
  # Unix socket paths are limited to 108 bytes; containerd's ttrpc socket is the longest we make.
  if [ ${#STACK_DIR} -gt 70 ]; then die "SW_STACK_DIR is too long for unix sockets under it: $STACK_DIR"; fi
}

is_docker() { [ "$ENGINE" != podman ]; }
is_trixie() { [ "$ENGINE" = docker26 ] || [ "$ENGINE" = docker26-containerd ]; }

install_packages() {
  need_root install
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  [ -x /usr/bin/containerd ] || missing+=(containerd)
  [ -x "$RUNC" ] || missing+=(runc)
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  [ -x /bin/busybox ] && busybox --list 2>/dev/null | grep -qx nc && dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
  command -v chromium >/dev/null || missing+=(chromium)
  dpkg -s fonts-dejavu-core >/dev/null 2>&1 || missing+=(fonts-dejavu-core)
  command -v curl >/dev/null || missing+=(curl)
  command -v flock >/dev/null || missing+=(util-linux)
  # debootstrap: the bookworm rootfs of the systemd host the managed-mode tests boot (systemd-host.sh).
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  if [ "$ENGINE" = podman ]; then
    command -v podman >/dev/null || missing+=(podman)
    command -v conmon >/dev/null || missing+=(conmon)
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if ! command -v docker >/dev/null; then die "no docker CLI found"; fi
  fetch_trixie
}

# Trixie's docker.io, containerd and docker-buildx, unpacked under $TRIXIE/root. The apt configuration is
# entirely private (APT_CONFIG redirects Dir::Etc, so not even /etc/apt/apt.conf.d is read): its own
# sources list, lists, cache, state and an empty dpkg status. The machine's apt setup is never touched.
fetch_trixie() {
  if [ -f "$TRIXIE/root/.complete" ]; then return 0; fi
  mkdir -p "$TRIXIE"
  local lock
  exec {lock}>"$TRIXIE/.lock"
  flock "$lock"
  if [ -f "$TRIXIE/root/.complete" ]; then
    exec {lock}>&-
    return 0
  fi
  local A=$TRIXIE/apt started=$SECONDS
  log "fetching trixie's ${TRIXIE_PACKAGES[*]} into $TRIXIE (private apt configuration)"
  rm -rf "$A" "$TRIXIE/debs" "$TRIXIE/root" "$TRIXIE/root.new"
  mkdir -p "$A/etc/apt.conf.d" "$A/etc/sources.list.d" "$A/etc/preferences.d" "$A/etc/trusted.gpg.d" \
    "$A/lists/partial" "$A/cache/archives/partial" "$A/state" "$A/log" "$TRIXIE/debs"
  : >"$A/state/status"
  cat >"$A/etc/sources.list" <<SOURCES
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $TRIXIE_MIRROR trixie main
SOURCES
  cat >"$A/apt.conf" <<APTCONF
Dir::Etc "$A/etc/";
Dir::Etc::SourceList "$A/etc/sources.list";
Dir::Etc::SourceParts "$A/etc/sources.list.d/";
Dir::State "$A/state/";
Dir::State::Lists "$A/lists/";
Dir::State::status "$A/state/status";
Dir::Cache "$A/cache/";
Dir::Log "$A/log/";
APT::Sandbox::User "root";
Acquire::Languages "none";
APTCONF
  APT_CONFIG=$A/apt.conf apt-get -qq update
  (cd "$TRIXIE/debs" && APT_CONFIG=$A/apt.conf apt-get -qq download "${TRIXIE_PACKAGES[@]}")
  mkdir -p "$TRIXIE/root.new"
  local deb versions=()
  for deb in "$TRIXIE"/debs/*.deb; do
    dpkg -x "$deb" "$TRIXIE/root.new"
    versions+=("$(dpkg-deb -f "$deb" Package)=$(dpkg-deb -f "$deb" Version)")
  done
  [ -x "$TRIXIE/root.new/usr/sbin/dockerd" ] && [ -x "$TRIXIE/root.new/usr/bin/containerd" ] &&
    [ -x "$TRIXIE/root.new/usr/libexec/docker/cli-plugins/docker-buildx" ] ||
    die "trixie's packages did not unpack as expected under $TRIXIE/root.new"
  printf '%s\n' "${versions[@]}" >"$TRIXIE/root.new/.complete"
  mv "$TRIXIE/root.new" "$TRIXIE/root"
  rm -rf "$TRIXIE/debs" # 70 MB nothing reads once unpacked
  exec {lock}>&-
  log "trixie packages ready in $((SECONDS - started))s: ${versions[*]}"
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

wait_for() { # wait_for <seconds> <command...>
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then return 1; fi
    sleep 0.2
  done
}

docker_cli() {
  # The static CLI at /usr/local/bin/docker is the one the tests use; Debian's works too.
  if [ -x /usr/local/bin/docker ]; then echo /usr/local/bin/docker; else command -v docker; fi
}

# The engine's own /version answer (no CLI negotiation), as "Version ApiVersion MinAPIVersion".
engine_version() {
  curl -fsS --unix-socket "$ENGINE_SOCKET" http://localhost/version |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(v.Version,v.ApiVersion,v.MinAPIVersion)})'
}

engine_answers() {
  [ -S "$ENGINE_SOCKET" ] && curl -fsS --max-time 5 --unix-socket "$ENGINE_SOCKET" http://localhost/_ping >/dev/null 2>&1
}

up() {
  need_root up
  check_stack_dir
  local D=$STACK_DIR
  if [ -f "$D/env" ] && engine_answers; then
    if grep -qx "SW_ENGINE=$ENGINE" "$D/env"; then
      log "already up at $D"
      cat "$D/env"
      return 0
    fi
    if grep -q '^SW_ENGINE=' "$D/env"; then
      die "$D holds a $(sed -n 's/^SW_ENGINE=//p' "$D/env") stack, not $ENGINE; bring it down first"
    fi
    log "$D was started by an older test-stack.sh (no SW_ENGINE in its env); restarting it"
  fi
  local started=$SECONDS
  down_quiet
  fetch_trixie
  mkdir -p "$D" "$SOCKET_DIR"
  chmod 755 "$D"
  mount -t tmpfs -o size=1m,mode=0755 sw-engine-socket "$SOCKET_DIR"
  local cli port
  cli=$(docker_cli)
  port=$(free_port)
  start_registry "$port"
  case "$ENGINE" in
    docker20) start_docker /usr/sbin/dockerd "$BASE_PATH" '{}' ;;
    docker26) start_docker "$TRIXIE/root/usr/sbin/dockerd" "$TRIXIE/root/usr/sbin:$TRIXIE/root/usr/bin:$BASE_PATH" '{}' ;;
    docker26-containerd)
      start_docker "$TRIXIE/root/usr/sbin/dockerd" "$TRIXIE/root/usr/sbin:$TRIXIE/root/usr/bin:$BASE_PATH" \
        '{"features": {"containerd-snapshotter": true}}'
      ;;
    podman) start_podman "127.0.0.1:$port" ;;
  esac

  # A private DOCKER_CONFIG with trixie's buildx as a CLI plugin, for the tests that build with BuildKit.
  mkdir -p "$D/docker-config/cli-plugins"
  cp "$TRIXIE/root/usr/libexec/docker/cli-plugins/docker-buildx" "$D/docker-config/cli-plugins/docker-buildx"
  echo '{}' >"$D/docker-config/config.json"

  build_images "$cli" "127.0.0.1:$port"

  local version api min_api cli_api
  read -r version api min_api < <(engine_version)
  cli_api=$(DOCKER_CONFIG=$D/docker-config DOCKER_HOST="unix://$ENGINE_SOCKET" "$cli" version --format '{{.Client.APIVersion}}')
  {
    echo "SW_STACK_DIR=$D"
    echo "SW_DOCKER_HOST=unix://$ENGINE_SOCKET"
    echo "SW_DOCKER_SOCKET=$ENGINE_SOCKET"
    echo "SW_REGISTRY=127.0.0.1:$port"
    echo "SW_DOCKER_CLI=$cli"
    echo "SW_ENGINE=$ENGINE"
    echo "SW_ENGINE_VERSION=$version"
    echo "SW_API_VERSION=$api"
    echo "SW_MIN_API_VERSION=$min_api"
    echo "SW_CLI_API_VERSION=$cli_api"
    echo "SW_ENGINE_PID=$(cat "$D/engine.pid")"
    echo "SW_DATA_ROOT=$DATA_ROOT"
    echo "SW_EXEC_ROOT=$EXEC_ROOT"
    echo "SW_DOCKER_CONFIG=$D/docker-config"
    echo "SW_REGISTRY_PID=$(cat "$D/registry.pid")"
    if is_docker; then
      echo "SW_CONTAINERD_SOCKET=$D/containerd/containerd.sock"
      echo "SW_CONTAINERD_PID=$(cat "$D/containerd.pid")"
      echo "SW_DAEMON_JSON=$D/daemon.json"
    else
      echo "SW_CONTAINERS_CONF=$D/podman/containers.conf"
      echo "SW_CONTAINERS_REGISTRIES_CONF=$D/podman/registries.conf"
      echo "SW_CONTAINERS_STORAGE_CONF=$D/podman/storage.conf"
      echo "SW_PODMAN=$D/podman/podman"
    fi
  } >"$D/env.new"
  mv "$D/env.new" "$D/env"
  log "up in $((SECONDS - started))s"
  cat "$D/env"
}

start_registry() { # start_registry <port>
  local D=$STACK_DIR port=$1
  mkdir -p "$D/registry"
  cat >"$D/registry.yml" <<YML
version: 0.1
log: { level: warn }
storage:
  filesystem: { rootdirectory: $D/registry }
  delete: { enabled: true }
http:
  addr: 127.0.0.1:$port
YML
  log "starting docker-registry on 127.0.0.1:$port"
  docker-registry serve "$D/registry.yml" >"$D/registry.log" 2>&1 &
  echo $! >"$D/registry.pid"
  if ! wait_for 30 curl -fsS "http://127.0.0.1:$port/v2/"; then
    log "registry did not come up; log:"
    tail -30 "$D/registry.log" >&2
    exit 1
  fi
}

# A containerd of this stack's own (config, root, state and sockets under $D/containerd), then dockerd
# pointed at it with --containerd: dockerd would otherwise use /run/containerd/containerd.sock whenever
# one answers there. <path> is what both (and the shims) search for containerd-shim-runc-v2 and runc.
start_docker() { # start_docker <dockerd> <path> <daemon.json>
  local D=$STACK_DIR dockerd=$1 path=$2 C=$STACK_DIR/containerd
  DATA_ROOT=$D/data
  EXEC_ROOT=$D/exec
  mkdir -p "$C/root" "$C/state" "$C/opt"
  cat >"$D/containerd.toml" <<TOML
version = 2
root = "$C/root"
state = "$C/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.nri.v1.nri"]

[grpc]
  address = "$C/containerd.sock"

[ttrpc]
  address = "$C/containerd.sock.ttrpc"

[debug]
  address = "$C/debug.sock"

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$C/opt"
TOML
  local containerd
  containerd=$(PATH=$path command -v containerd)
  log "starting $containerd ($("$containerd" --version | awk '{print $3}')) in $C"
  env -i PATH="$path" HOME=/root "$containerd" --config "$D/containerd.toml" >"$D/containerd.log" 2>&1 &
  echo $! >"$D/containerd.pid"
  if ! wait_for 30 env -i PATH="$path" ctr --address "$C/containerd.sock" version; then
    log "containerd did not come up; log:"
    tail -30 "$D/containerd.log" >&2
    exit 1
  fi

  printf '%s\n' "$3" >"$D/daemon.json"
  log "starting $dockerd ($("$dockerd" --version)) in $D"
  env -i PATH="$path" HOME=/root "$dockerd" --config-file "$D/daemon.json" \
    --host "unix://$ENGINE_SOCKET" --data-root "$DATA_ROOT" --exec-root "$EXEC_ROOT" \
    --pidfile "$D/docker.pid" --containerd "$C/containerd.sock" \
    --iptables=false --bridge=none --ip-masq=false \
    --insecure-registry 127.0.0.0/8 >"$D/dockerd.log" 2>&1 &
  echo $! >"$D/engine.pid"
  if ! wait_for 60 engine_answers; then
    log "dockerd did not come up; log:"
    tail -30 "$D/dockerd.log" >&2
    exit 1
  fi
  local runc
  runc=$(DOCKER_HOST="unix://$ENGINE_SOCKET" "$(docker_cli)" info --format '{{.RuncCommit.ID}}' 2>/dev/null || true)
  log "dockerd up (runc commit $runc; $RUNC is $("$RUNC" --version | head -1))"
}

# podman system service with everything of its own: storage (--root/--runroot and a storage.conf),
# libpod's tmpdir, a file events log, network configs, a containers.conf (CONTAINERS_CONF replaces the
# system's and the user's) whose default_ulimits stay within the hard limits (runc fails "error setting
# rlimit" otherwise) and a registries.conf that marks the loopback registry insecure.
PODMAN_ARGS=()
podman_setup() { # podman_setup: sets PODMAN_ARGS and exports the CONTAINERS_* variables for $STACK_DIR
  local D=$STACK_DIR P=$STACK_DIR/podman
  DATA_ROOT=$D/storage
  EXEC_ROOT=$D/run
  PODMAN_ARGS=(--root "$DATA_ROOT" --runroot "$EXEC_ROOT" --tmpdir "$P/tmp" --storage-driver overlay
    --events-backend file --cgroup-manager cgroupfs --runtime "$RUNC" --network-config-dir "$P/networks"
    --volumepath "$D/storage/volumes")
  export CONTAINERS_CONF=$P/containers.conf
  export CONTAINERS_REGISTRIES_CONF=$P/registries.conf
  export CONTAINERS_STORAGE_CONF=$P/storage.conf
  export TMPDIR=$P/tmp
  # A HOME of its own, so no ~/.config/containers (policy.json, auth) of the user's is read.
  export HOME=$P/home
}

start_podman() { # start_podman <registry>
  local D=$STACK_DIR P=$STACK_DIR/podman reg=$1
  podman_setup
  mkdir -p "$P/tmp" "$P/networks" "$P/no-cni-plugins" "$P/home/.config/containers" "$DATA_ROOT" "$EXEC_ROOT"
  echo '{"default": [{"type": "insecureAcceptAnything"}]}' >"$P/home/.config/containers/policy.json"
  local nofile nproc
  nofile=$(ulimit -Hn)
  nproc=$(ulimit -Hu)
  [ "$nofile" = unlimited ] || [ "$nofile" -ge 4096 ] || die "hard nofile limit $nofile < 4096"
  [ "$nproc" = unlimited ] || [ "$nproc" -ge 4096 ] || die "hard nproc limit $nproc < 4096"
  cat >"$P/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
# No bridge, as the docker engines here run with --bridge=none. The default (CNI) bridge would make a
# cni-podman0 interface and iptables chains on the host and write /var/lib/cni and /run/netns; the
# Docker API's default network mode ignores netns, so [network] below also gives CNI no plugins.
netns = "none"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$P/events.log"
runtime = "runc"
tmp_dir = "$P/tmp"
static_dir = "$DATA_ROOT/libpod"
volume_path = "$DATA_ROOT/volumes"

[engine.runtimes]
runc = ["$RUNC"]

[network]
network_backend = "cni"
network_config_dir = "$P/networks"
cni_plugin_dirs = ["$P/no-cni-plugins"]
CONF
  cat >"$P/registries.conf" <<CONF
unqualified-search-registries = ["docker.io"]
short-name-mode = "permissive"

# Plain HTTP on loopback, as dockerd allows for 127.0.0.0/8: the stack's registry and the ones tests
# start on other ports ("127.0.0.1" is a prefix of every "127.0.0.1:<port>").
[[registry]]
location = "$reg"
insecure = true

[[registry]]
location = "127.0.0.1"
insecure = true

[[registry]]
location = "localhost"
insecure = true
CONF
  cat >"$P/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$DATA_ROOT"
runroot = "$EXEC_ROOT"
CONF
  # The podman CLI on this stack's storage and configuration, for tests and for down.
  {
    echo '#!/bin/sh'
    echo "# podman on the test stack in $D (its own storage, runroot, tmpdir and configuration)"
    printf 'export CONTAINERS_CONF=%q CONTAINERS_REGISTRIES_CONF=%q CONTAINERS_STORAGE_CONF=%q TMPDIR=%q HOME=%q\n' \
      "$CONTAINERS_CONF" "$CONTAINERS_REGISTRIES_CONF" "$CONTAINERS_STORAGE_CONF" "$TMPDIR" "$HOME"
    printf 'exec podman'
    printf ' %q' "${PODMAN_ARGS[@]}"
    printf ' "$@"\n'
  } >"$P/podman"
  chmod 755 "$P/podman"
  log "starting $("$P/podman" --version) system service in $D"
  env -i PATH="$BASE_PATH" "$P/podman" system service --time=0 "unix://$ENGINE_SOCKET" >"$D/podman.log" 2>&1 &
  echo $! >"$D/engine.pid"
  if ! wait_for 60 engine_answers; then
    log "podman did not come up; log:"
    tail -30 "$D/podman.log" >&2
    exit 1
  fi
}

images_log() { # images_log <command…>: its output goes to $D/images.log, shown if it fails
  "$@" >>"$STACK_DIR/images.log" 2>&1 || {
    log "failed: $*"
    tail -20 "$STACK_DIR/images.log" >&2
    return 1
  }
}

build_images() { # build_images <cli> <registry>
  local cli=$1 reg=$2 work
  work=$(mktemp -d)
  export DOCKER_HOST="unix://$ENGINE_SOCKET" DOCKER_CONFIG=$STACK_DIR/docker-config DOCKER_BUILDKIT=0
  log "building test images"
  mkdir -p "$work/rootfs/bin" "$work/rootfs/tmp" "$work/rootfs/etc"
  cp /bin/busybox "$work/rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$work/rootfs/bin/$applet"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$work/rootfs/etc/passwd"
  tar -C "$work/rootfs" -c . | images_log "$cli" import -c 'CMD ["sh"]' -c 'ENV PATH=/usr/local/bin:/bin' - sw-test/busybox:latest

  # An image that carries the static docker CLI, standing in for docker:cli.
  mkdir -p "$work/cli"
  cp "$cli" "$work/cli/docker"
  printf 'FROM sw-test/busybox:latest\nCOPY docker /usr/local/bin/docker\nCMD ["sh"]\n' >"$work/cli/Dockerfile"
  images_log "$cli" build -q -t sw-test/docker-cli:latest "$work/cli"

  # An image with Debian's curl and the shared libraries it loads: a raw HTTP client that speaks
  # --unix-socket (busybox's wget and nc cannot), for requests the docker CLI would never send.
  mkdir -p "$work/curl/rootfs/usr/local/bin"
  cp /usr/bin/curl "$work/curl/rootfs/usr/local/bin/curl"
  for lib in $(ldd /usr/bin/curl | grep -o '/[^ ]*'); do
    cp -L --parents "$lib" "$work/curl/rootfs/"
  done
  printf 'FROM sw-test/busybox:latest\nCOPY rootfs /\nCMD ["sh"]\n' >"$work/curl/Dockerfile"
  images_log "$cli" build -q -t sw-test/curl:latest "$work/curl"

  for pair in "sw-test/busybox:latest $reg/library/busybox:latest" \
    "sw-test/docker-cli:latest $reg/library/docker:cli" \
    "sw-test/curl:latest $reg/library/curl:latest"; do
    set -- $pair
    images_log "$cli" tag "$1" "$2"
    images_log "$cli" push -q "$2"
    # Podman records the digest of its local manifest, not of the one it pushed (it recompresses the
    # layers); pulling the tag back adds the registry's digest to RepoDigests, as a docker push does.
    if [ "$ENGINE" = podman ]; then images_log "$cli" pull -q "$2"; fi
  done
  rm -rf "$work"
  unset DOCKER_HOST DOCKER_CONFIG DOCKER_BUILDKIT
  log "images ready: $reg/library/busybox:latest, $reg/library/docker:cli, $reg/library/curl:latest"
}

# True when process <pid> is one of this stack's: its command line names a path under $STACK_DIR/.
mentions_stack() {
  [ -r "/proc/$1/cmdline" ] && tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$STACK_DIR/"
}

# The engine-side processes (by executable) whose command line names this stack's directory: the shims
# (containerd-shim-runc-v2 … -address $D/containerd/containerd.sock …), conmon (… -b $D/storage/…),
# and the daemons themselves. Other stacks' directories never match ("$D/" with the slash).
stack_processes() {
  local p pid exe
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    [ "$pid" != $$ ] || continue
    exe=$(readlink "$p/exe" 2>/dev/null) || continue
    case "${exe##*/}" in
      containerd-shim* | conmon | containerd | dockerd | docker-registry | podman | docker-proxy) ;;
      *) continue ;;
    esac
    mentions_stack "$pid" && echo "$pid"
  done
  return 0
}

stop_pid() { # stop_pid <pidfile>: TERM, wait up to 10 s, then KILL; only a process of this stack
  [ -f "$1" ] || return 0
  local pid
  pid=$(cat "$1")
  if [ -n "$pid" ] && mentions_stack "$pid"; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if mentions_stack "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$1"
}

down_quiet() {
  local D=$STACK_DIR
  [ -d "$D" ] || return 0
  local cli
  cli=$(docker_cli)
  if engine_answers; then
    local ids
    ids=$(DOCKER_HOST="unix://$ENGINE_SOCKET" "$cli" ps -aq 2>/dev/null || true)
    if [ -n "$ids" ]; then
      # shellcheck disable=SC2086
      DOCKER_HOST="unix://$ENGINE_SOCKET" timeout 60 "$cli" rm -f $ids >/dev/null 2>&1 || true
    fi
  fi
  stop_pid "$D/registry.pid"
  stop_pid "$D/engine.pid"
  stop_pid "$D/docker.pid" # dockerd's own pidfile (stacks from before engine.pid had only this one)
  stop_pid "$D/containerd.pid"
  if [ -d "$D/podman" ]; then
    # Whatever the service left behind, removed with podman itself on the same private storage.
    if [ -x "$D/podman/podman" ]; then timeout 60 "$D/podman/podman" rm -af -t 0 >/dev/null 2>&1 || true; fi
  fi
  # Shims and conmons outlive their daemon: stop the ones that belong to this stack.
  local pids
  pids=$(stack_processes)
  if [ -n "$pids" ]; then
    # shellcheck disable=SC2086
    kill $pids 2>/dev/null || true
    sleep 1
    # shellcheck disable=SC2086
    kill -9 $(stack_processes) 2>/dev/null || true
  fi
  # Containers whose shim or conmon died before them: dockerd keeps runc's state under its exec-root;
  # podman uses runc's default /run/runc (its exit command, `podman container cleanup`, is not given
  # --runtime-flag, so a private runc root would leak state), so only this stack's container IDs there.
  local id
  if [ -d "$D/exec/runtime-runc/moby" ]; then
    for id in $("$RUNC" --root "$D/exec/runtime-runc/moby" list -q 2>/dev/null); do
      "$RUNC" --root "$D/exec/runtime-runc/moby" kill "$id" KILL 2>/dev/null || true
      "$RUNC" --root "$D/exec/runtime-runc/moby" delete -f "$id" 2>/dev/null || true
    done
  fi
  if [ -d "$D/storage/overlay-containers" ]; then
    for id in $(ls "$D/storage/overlay-containers"); do
      [ -d "/run/runc/$id" ] || continue
      "$RUNC" kill "$id" KILL 2>/dev/null || true
      "$RUNC" delete -f "$id" 2>/dev/null || true
    done
  fi
  # Mounts at or under $D only (deepest first).
  awk -v d="$D" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$D"
}

case "${1:-}" in
  install) install_packages ;;
  up) up ;;
  down)
    need_root down
    down_quiet
    log "down"
    ;;
  env) cat "$STACK_DIR/env" ;;
  dir) echo "$STACK_DIR" ;;
  *)
    echo "usage: [SW_ENGINE=docker20|docker26|docker26-containerd|podman] $0 install|up|down|env|dir" >&2
    exit 2
    ;;
esac
