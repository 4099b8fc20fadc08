#!/usr/bin/env bash
# The whole test suite: lint, format, type-checks (Electron files against Electron's own types), unit
# tests, engine-backed integration tests and the Playwright browser tests, against a private test stack.
set -euo pipefail
cd "$(dirname "$0")/.."

run_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

echo "== lint and format"
npx eslint .
npx prettier --check .
echo "== type-check (strict; Electron files against Electron's type definitions)"
npx tsc -p tsconfig.json --noEmit
echo "== build"
npm run build --silent
echo "== unit tests"
npx vitest run --project unit

echo "== test stack (private dockerd + registry)"
run_root scripts/test-stack.sh install
STACK_STARTED=0
if [ ! -f "${SW_STACK_DIR:-/tmp/socket-warden-stack}/env" ]; then STACK_STARTED=1; fi
run_root scripts/test-stack.sh up >/dev/null
if [ "${SW_KEEP_STACK:-0}" != 1 ] && [ $STACK_STARTED = 1 ]; then
  trap 'run_root scripts/test-stack.sh down' EXIT
fi

echo "== integration tests (real engine, registry, docker CLI)"
npx vitest run --project integration
echo "== end-to-end tests (Playwright, Debian chromium)"
npx playwright test -c e2e/playwright.config.ts
