#!/bin/sh
# tools/fetch-basic-pitch.sh - set-up data for pp-transcribe: the Basic Pitch
# weights (Spotify, Apache-2.0) from the npm package @spotify/basic-pitch
# 1.0.1. Fetched once with the ordinary npm client (`npm pack`), the tarball
# checked against pinned checksums, and only model/* and LICENSE kept in
# data/basic-pitch/. Idempotent: does nothing when the files are there and
# valid. Run by tools/deps.sh; nothing is downloaded at run time.
set -eu

PKG=@spotify/basic-pitch@1.0.1
TGZ=spotify-basic-pitch-1.0.1.tgz
# npm's shasum (sha1) of the tarball, as the registry states it, and the
# sha256 observed when this script was written.
TGZ_SHA1=df76ae2778bc6c175d721267276930a779a63dc1
TGZ_SHA256=8efee25e266e4a06bb2a8f3a86ad934179a2db2845c1544a9b2e43b37a74a874
BIN_SHA256=b142a95737a52e1e412d5f92e73d8bb80dfe8d04941acc0702f11f4524fb377c
JSON_SHA256=1ed1aaee3409ec1dc098c8b01f430c0911f6fe9412e7af8086750f9e8f302f68

here=$(cd "$(dirname "$0")/.." && pwd)
dest=${PP_BASIC_PITCH_DIR:-$here/data/basic-pitch}

valid() {
	[ -f "$dest/model/group1-shard1of1.bin" ] && [ -f "$dest/model/model.json" ] &&
	[ -f "$dest/LICENSE" ] &&
	echo "$BIN_SHA256  $dest/model/group1-shard1of1.bin" | sha256sum -c --status &&
	echo "$JSON_SHA256  $dest/model/model.json" | sha256sum -c --status
}

if valid; then
	echo "fetch-basic-pitch: $dest present and valid"
	exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "fetch-basic-pitch: npm not found (install the Debian package npm)" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pp-bp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$PKG" >/dev/null)
[ -f "$tmp/$TGZ" ] || { echo "fetch-basic-pitch: npm pack gave no $TGZ" >&2; exit 1; }
if ! echo "$TGZ_SHA1  $tmp/$TGZ" | sha1sum -c --status ||
   ! echo "$TGZ_SHA256  $tmp/$TGZ" | sha256sum -c --status; then
	echo "fetch-basic-pitch: checksum mismatch for $TGZ; refusing it" >&2
	exit 1
fi
tar -xzf "$tmp/$TGZ" -C "$tmp" package/model package/LICENSE
echo "$BIN_SHA256  $tmp/package/model/group1-shard1of1.bin" | sha256sum -c --status ||
	{ echo "fetch-basic-pitch: weight file checksum mismatch" >&2; exit 1; }
echo "$JSON_SHA256  $tmp/package/model/model.json" | sha256sum -c --status ||
	{ echo "fetch-basic-pitch: model.json checksum mismatch" >&2; exit 1; }
rm -rf "$dest.new"
mkdir -p "$dest.new/model"
cp "$tmp/package/model/model.json" "$tmp/package/model/group1-shard1of1.bin" "$dest.new/model/"
cp "$tmp/package/LICENSE" "$dest.new/"
rm -rf "$dest"
mv "$dest.new" "$dest"
echo "fetch-basic-pitch: installed Basic Pitch 1.0.1 weights in $dest"
