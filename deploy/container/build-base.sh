#!/usr/bin/env bash
# Makes the base image localhost/tokenbridge-base:trixie from Debian's packages with debootstrap (no registry image):
# Debian trixie, minimal, with Debian's nodejs (20.19) and CA certificates. Needs root, debootstrap and podman;
# downloads from the Debian mirror (MIRROR, default deb.debian.org). Takes a few minutes.
set -euo pipefail
IMAGE="${1:-localhost/tokenbridge-base:trixie}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
rootfs="$(mktemp -d "${TMPDIR:-/var/tmp}/tokenbridge-rootfs.XXXXXX")"
trap 'rm -rf "$rootfs"' EXIT
debootstrap --variant=minbase --include=nodejs,ca-certificates trixie "$rootfs" "$MIRROR" >&2
# Package caches and lists are not needed at run time.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
tar -C "$rootfs" -c . | podman import --change 'CMD ["/usr/bin/node", "--version"]' - "$IMAGE" >&2
echo "$IMAGE"
