#!/usr/bin/env bash
# Builds localhost/tokenbridge:<version> on the base from build-base.sh.
#   build-image.sh tokenbridge-0.1.0.tgz     installs the packed package (npm install --omit=dev) into the image
#   build-image.sh /path/to/project         or takes a folder where it is installed already (node_modules/tokenbridge)
# better-sqlite3's binding is built by that install for the Node running it: use Node 20, as the image does (the
# script stops if the two Node ABIs differ). IMAGE and BASE override the names.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source="${1:?usage: build-image.sh <tokenbridge.tgz | installed project folder>}"
BASE="${BASE:-localhost/tokenbridge-base:trixie}"
context="$(mktemp -d "${TMPDIR:-/tmp}/tokenbridge-image.XXXXXX")"
trap 'rm -rf "$context"' EXIT
mkdir -p "$context/app" "$context/data"
if [ -d "$source" ]; then
  cp -a "$source/package.json" "$source/node_modules" "$context/app/"
else
  (cd "$context/app" && npm init -y >/dev/null && npm install --omit=dev --no-audit --no-fund "$(realpath "$source")" >&2)
fi
version="$(node -p "require('$context/app/node_modules/tokenbridge/package.json').version")"
IMAGE="${IMAGE:-localhost/tokenbridge:$version}"
host_abi="$(node -p process.versions.modules)"
image_abi="$(podman run --rm "$BASE" /usr/bin/node -p process.versions.modules)"
if [ "$host_abi" != "$image_abi" ]; then
  echo "build-image.sh: this Node (ABI $host_abi) built the native modules, the image's Node is ABI $image_abi; install with Node 20" >&2
  exit 1
fi
podman build --build-arg "BASE=$BASE" -t "$IMAGE" -f "$here/Containerfile" "$context" >&2
echo "$IMAGE"
