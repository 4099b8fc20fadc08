#!/usr/bin/env bash
# The real test stack: a private dockerd and a docker-registry on loopback, plus the test images.
# Usage: scripts/test-stack.sh install|up|down|env
# Everything lives under $SW_STACK_DIR (default /tmp/socket-warden-stack); it never touches an engine
# the user already runs. Needs root (dockerd does).
set -euo pipefail

STACK_DIR=${SW_STACK_DIR:-/tmp/socket-warden-stack}
HERE=$(cd "$(dirname "$0")" && pwd)

log() { printf '[test-stack] %s\n' "$*" >&2; }

need_root() {
  if [ "$(id -u)" != 0 ]; then
    log "must run as root (dockerd needs it); try: sudo $0 $*"
    exit 1
  fi
}

install_packages() {
  need_root install
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  [ -x /bin/busybox ] && busybox --list 2>/dev/null | grep -qx nc && dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
  command -v chromium >/dev/null || missing+=(chromium)
  dpkg -s fonts-dejavu-core >/dev/null 2>&1 || missing+=(fonts-dejavu-core)
  command -v curl >/dev/null || missing+=(curl)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if ! command -v docker >/dev/null; then
    log "no docker CLI found"; exit 1
  fi
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

wait_for() { # wait_for <seconds> <command...>
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then return 1; fi
    sleep 0.2
  done
}

docker_cli() {
  # The static CLI at /usr/local/bin/docker is the one the tests use; Debian's works too.
  if [ -x /usr/local/bin/docker ]; then echo /usr/local/bin/docker; else command -v docker; fi
}

up() {
  need_root up
  if [ -f "$STACK_DIR/env" ] && [ -S "$STACK_DIR/docker.sock" ] && \
     DOCKER_HOST="unix://$STACK_DIR/docker.sock" "$(docker_cli)" version >/dev/null 2>&1; then
    log "already up at $STACK_DIR"; cat "$STACK_DIR/env"; return 0
  fi
  down_quiet
  mkdir -p "$STACK_DIR"
  chmod 755 "$STACK_DIR"
  local D=$STACK_DIR
  log "starting dockerd in $D"
  dockerd --host "unix://$D/docker.sock" --data-root "$D/data" --exec-root "$D/exec" \
    --pidfile "$D/docker.pid" --iptables=false --bridge=none --ip-masq=false \
    --insecure-registry 127.0.0.0/8 >"$D/dockerd.log" 2>&1 &
  local cli; cli=$(docker_cli)
  export DOCKER_HOST="unix://$D/docker.sock"
  if ! wait_for 60 "$cli" version; then
    log "dockerd did not come up; log:"; tail -30 "$D/dockerd.log" >&2; exit 1
  fi

  local port; port=$(free_port)
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
    log "registry did not come up; log:"; tail -30 "$D/registry.log" >&2; exit 1
  fi

  build_images "$cli" "127.0.0.1:$port"

  cat >"$D/env" <<ENV
SW_STACK_DIR=$D
SW_DOCKER_HOST=unix://$D/docker.sock
SW_DOCKER_SOCKET=$D/docker.sock
SW_REGISTRY=127.0.0.1:$port
SW_DOCKER_CLI=$cli
ENV
  log "up"; cat "$D/env"
}

build_images() { # build_images <cli> <registry>
  local cli=$1 reg=$2 work; work=$(mktemp -d)
  log "building test images"
  mkdir -p "$work/rootfs/bin" "$work/rootfs/tmp" "$work/rootfs/etc"
  cp /bin/busybox "$work/rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$work/rootfs/bin/$applet"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$work/rootfs/etc/passwd"
  tar -C "$work/rootfs" -c . | "$cli" import -c 'CMD ["sh"]' -c 'ENV PATH=/usr/local/bin:/bin' - sw-test/busybox:latest >/dev/null

  # An image that carries the static docker CLI, standing in for docker:cli.
  mkdir -p "$work/cli"
  cp "$cli" "$work/cli/docker"
  printf 'FROM sw-test/busybox:latest\nCOPY docker /usr/local/bin/docker\nCMD ["sh"]\n' >"$work/cli/Dockerfile"
  DOCKER_BUILDKIT=0 "$cli" build -q -t sw-test/docker-cli:latest "$work/cli" >/dev/null

  # An image with Debian's curl and the shared libraries it loads: a raw HTTP client that speaks
  # --unix-socket (busybox's wget and nc cannot), for requests the docker CLI would never send.
  mkdir -p "$work/curl/rootfs/usr/local/bin"
  cp /usr/bin/curl "$work/curl/rootfs/usr/local/bin/curl"
  for lib in $(ldd /usr/bin/curl | grep -o '/[^ ]*'); do
    cp -L --parents "$lib" "$work/curl/rootfs/"
  done
  printf 'FROM sw-test/busybox:latest\nCOPY rootfs /\nCMD ["sh"]\n' >"$work/curl/Dockerfile"
  DOCKER_BUILDKIT=0 "$cli" build -q -t sw-test/curl:latest "$work/curl" >/dev/null

  for pair in "sw-test/busybox:latest $reg/library/busybox:latest" \
              "sw-test/docker-cli:latest $reg/library/docker:cli" \
              "sw-test/curl:latest $reg/library/curl:latest"; do
    set -- $pair
    "$cli" tag "$1" "$2"
    "$cli" push -q "$2" >/dev/null
  done
  rm -rf "$work"
  log "images ready: $reg/library/busybox:latest, $reg/library/docker:cli, $reg/library/curl:latest"
}

down_quiet() {
  local D=$STACK_DIR
  [ -d "$D" ] || return 0
  if [ -f "$D/registry.pid" ]; then kill "$(cat "$D/registry.pid")" 2>/dev/null || true; fi
  if [ -f "$D/docker.pid" ]; then
    local pid; pid=$(cat "$D/docker.pid")
    if kill -0 "$pid" 2>/dev/null; then
      DOCKER_HOST="unix://$D/docker.sock" "$(docker_cli)" rm -f $(DOCKER_HOST="unix://$D/docker.sock" "$(docker_cli)" ps -aq 2>/dev/null) >/dev/null 2>&1 || true
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  # containerd-shims started by this dockerd live under our exec-root.
  pkill -f "$D/exec" 2>/dev/null || true
  { grep -o " $D[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$D"
}

case "${1:-}" in
  install) install_packages ;;
  up) up ;;
  down) down_quiet; log "down" ;;
  env) cat "$STACK_DIR/env" ;;
  *) echo "usage: $0 install|up|down|env" >&2; exit 2 ;;
esac
