#!/bin/sh
# tools/deps.sh - install everything pp needs on Debian 12 (bookworm), then
# the set-up data (Basic Pitch weights from npm). Idempotent and
# non-interactive; run as root or with sudo available. Called by `make deps`
# and `make setup`.
set -eu

PKGS="
build-essential pkg-config perl
libjansson-dev libsndfile1-dev libsamplerate0-dev libxml2-dev libsmf-dev
libcurl4-openssl-dev libopenblas-dev libsqlite3-dev sqlite3 libzip-dev
libfluidsynth-dev fluidsynth fluid-soundfont-gm
scdoc mandoc jq bc
flac vorbis-tools lame sox
python3 python3-numpy python3-torch python3-mir-eval
chromium
slurm-wlm munge parallel jq
ca-certificates
"

SUDO=
if [ "$(id -u)" != 0 ]; then
	SUDO=sudo
fi

missing=
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
# Node.js and npm may come from another repository (a newer nodejs that
# bundles npm): ask for Debian's packages only when the commands are absent.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing
else
	echo "deps: all Debian packages present"
fi

# Set-up data fetched from registries (checksum verified), if the stage
# that needs it is present in this tree.
here=$(cd "$(dirname "$0")" && pwd)
for f in "$here"/fetch-*.sh; do
	[ -f "$f" ] || continue
	sh "$f"
done
