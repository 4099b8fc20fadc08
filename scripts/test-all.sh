#!/usr/bin/env bash
# The whole test suite: lint, format, type-checks (Electron files against Electron's own types), unit
# tests, then the engine-backed integration tests against each engine's private test stack
# (SW_ENGINES, default: docker20 podman docker26-containerd docker26; see scripts/test-stack.sh), then
# the Playwright browser tests on docker20.
#
# The engines' stacks are independent (own directory, engine, containerd, registry port), so their
# integration suites run side by side, SW_ENGINE_JOBS at a time (default 2); each suite's output goes to
# test-output/integration-<engine>.log and is printed when it ends. Each stack this run brings up is
# brought down again, unless SW_KEEP_STACK=1; a stack that was already up is left as it was. Fails when
# any engine's integration tests (or anything else) fail, after running every engine and printing a
# summary per engine (test-output/integration-<engine>.json has the detail).
set -euo pipefail
cd "$(dirname "$0")/.."

run_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Longest first (docker20 runs the engine-independent files too), so the two slots finish together.
read -r -a ENGINES <<<"${SW_ENGINES:-docker20 podman docker26-containerd docker26}"
for engine in "${ENGINES[@]}"; do
  case "$engine" in
    docker20 | docker26 | docker26-containerd | podman) ;;
    *)
      echo "unknown engine in SW_ENGINES: $engine (docker20|docker26|docker26-containerd|podman)" >&2
      exit 2
      ;;
  esac
done
if [ -n "${SW_STACK_DIR:-}" ] && [ ${#ENGINES[@]} -gt 1 ]; then
  echo "SW_STACK_DIR names one stack, but SW_ENGINES lists ${#ENGINES[@]} engines (each has its own default" >&2
  echo "directory): unset SW_STACK_DIR, or set SW_ENGINES to the one engine that stack runs" >&2
  exit 2
fi
JOBS=${SW_ENGINE_JOBS:-2}

echo "== lint and format"
npx eslint .
npx prettier --check .
echo "== type-check (strict; two projects: Node without the DOM, the renderer without Node)"
npm run typecheck --silent
echo "== build"
npm run build --silent
echo "== unit tests"
npx vitest run --project unit

# The stack directory of each engine: its default, or SW_STACK_DIR for the one engine listed.
stack_dir() {
  if [ -n "${SW_STACK_DIR:-}" ] && [ "$1" = "${ENGINES[0]}" ]; then echo "$SW_STACK_DIR"; else
    env -u SW_STACK_DIR SW_ENGINE="$1" scripts/test-stack.sh dir
  fi
}
stack() { # stack <engine> <command>
  run_root env SW_ENGINE="$1" SW_STACK_DIR="$(stack_dir "$1")" \
    ${SW_ENGINE_CACHE:+SW_ENGINE_CACHE="$SW_ENGINE_CACHE"} scripts/test-stack.sh "$2"
}
stack_answers() {
  local dir socket
  dir=$(stack_dir "$1")
  [ -f "$dir/env" ] || return 1
  socket=$(sed -n 's/^SW_DOCKER_SOCKET=//p' "$dir/env")
  [ -n "$socket" ] && run_root curl -fsS --max-time 5 --unix-socket "$socket" http://localhost/_ping >/dev/null 2>&1
}

STATE=$(mktemp -d)
mkdir -p test-output
# A stack this run started is marked $STATE/<engine>.started and brought down at the end (or sooner).
bring_up() { # bring_up <engine>
  local engine=$1
  if stack_answers "$engine"; then
    stack "$engine" up >/dev/null
  else
    stack "$engine" up >/dev/null || return 1
    : >"$STATE/$engine.started"
  fi
}
bring_down() { # bring_down <engine>: only a stack this run started, and not with SW_KEEP_STACK=1
  if [ -f "$STATE/$1.started" ] && [ "${SW_KEEP_STACK:-0}" != 1 ]; then
    stack "$1" down || true
    rm -f "$STATE/$1.started"
  fi
}
PIDS=()
cleanup() {
  local pid engine
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for engine in docker20 docker26 docker26-containerd podman; do bring_down "$engine"; done
  rm -rf "$STATE"
}
trap cleanup EXIT

# One engine: its stack up, the integration suite against it, its stack down (docker20's stays up for
# the end-to-end tests). Writes $STATE/<engine>.{result,up,time}.
run_engine() { # run_engine <engine>
  local engine=$1 started=$SECONDS
  if ! bring_up "$engine"; then
    echo "stack did not come up" >"$STATE/$engine.result"
    return 0
  fi
  echo $((SECONDS - started)) >"$STATE/$engine.up"
  started=$SECONDS
  local report=test-output/integration-$engine.json
  rm -f "$report"
  local only_home=()
  if [ "$engine" != "$HOME_ENGINE" ]; then
    for file in "${ENGINE_INDEPENDENT[@]}"; do only_home+=(--exclude "$file"); done
  fi
  if SW_ENGINE=$engine SW_STACK_DIR=$(stack_dir "$engine") npx vitest run --project integration \
    "${only_home[@]}" --reporter=default --reporter=json --outputFile.json="$report"; then
    echo passed >"$STATE/$engine.result"
  else
    echo failed >"$STATE/$engine.result"
  fi
  echo $((SECONDS - started)) >"$STATE/$engine.time"
  if [ "$engine" != docker20 ]; then bring_down "$engine"; fi
}

# Tests of the daemon's own behaviour, where the engine only answers a ping: its flags, signals and
# lifecycle (serve-lifecycle runs a dockerd of its own, the machine's), the admin file's reload, the
# history's crash safety, the CLI's conventions, the contract sockets' permissions. They run once, on the first engine listed (docker20 by default), not on each:
# what they check does not differ between engines, and CI's 30 minutes are spent on what does.
ENGINE_INDEPENDENT=(
  test/integration/serve-input.test.ts
  test/integration/serve-lifecycle.test.ts
  test/integration/serve-stop.test.ts
  test/integration/settings-reload.test.ts
  test/integration/history-crash.test.ts
  test/integration/conventions-cli.test.ts
  test/integration/contract-socket.test.ts
)
HOME_ENGINE=${ENGINES[0]}

# Installs first, one at a time (apt and the trixie fetch take locks).
for engine in "${ENGINES[@]}"; do stack "$engine" install; done

echo "== integration tests (real engines, registries, docker CLI): ${ENGINES[*]}, $JOBS at a time"
declare -A ENGINE_OF
finish_one() { # waits for one engine's job and prints its output
  local pid
  wait -n -p pid "${PIDS[@]}" || true
  local engine=${ENGINE_OF[$pid]}
  echo "== [$engine] integration tests: $(cat "$STATE/$engine.result" 2>/dev/null || echo 'did not finish')"
  cat "test-output/integration-$engine.log"
  local i
  for i in "${!PIDS[@]}"; do if [ "${PIDS[$i]}" = "$pid" ]; then unset 'PIDS[i]'; fi; done
}
for engine in "${ENGINES[@]}"; do
  while [ ${#PIDS[@]} -ge "$JOBS" ]; do finish_one; done
  echo "== [$engine] starting its stack and integration tests"
  run_engine "$engine" >"test-output/integration-$engine.log" 2>&1 &
  PIDS+=($!)
  ENGINE_OF[$!]=$engine
done
while [ ${#PIDS[@]} -gt 0 ]; do finish_one; done

FAILED=0
echo "== end-to-end tests (Playwright, Debian chromium, on docker20)"
E2E=passed
stack docker20 install
if bring_up docker20; then
  if ! SW_ENGINE=docker20 SW_STACK_DIR=$(stack_dir docker20) npx playwright test -c e2e/playwright.config.ts; then
    E2E=failed
  fi
else
  E2E="stack did not come up"
fi

# Prints the failed tests of a vitest JSON report, one a line.
failed_tests() {
  [ -f "$1" ] || return 0
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const file of r.testResults ?? []) {
      const name = require("path").relative(process.cwd(), file.name);
      const failed = (file.assertionResults ?? []).filter((t) => t.status === "failed");
      if (failed.length === 0 && file.status === "failed") {
        const skipped = (file.assertionResults ?? []).filter((t) => t.status !== "passed").length;
        console.log(`${name}: ${(file.message || `failed outside a test (a hook; ${skipped} not run)`).split("\n")[0]}`);
      }
      for (const t of failed) console.log(`${name} > ${t.fullName}`);
    }' "$1" || true
}

echo "== summary"
for engine in "${ENGINES[@]}"; do
  result=$(cat "$STATE/$engine.result" 2>/dev/null || echo 'did not finish')
  printf '%-20s %s (stack up %ss, integration tests %ss)\n' "$engine" "$result" \
    "$(cat "$STATE/$engine.up" 2>/dev/null || echo '?')" "$(cat "$STATE/$engine.time" 2>/dev/null || echo '?')"
  if [ "$result" != passed ]; then
    FAILED=1
    failed_tests "test-output/integration-$engine.json" | sed 's/^/    /'
  fi
done
printf '%-20s %s\n' e2e "$E2E"
if [ "$E2E" != passed ]; then FAILED=1; fi
exit $FAILED
