#!/usr/bin/env bash
# The docker CLI's buildx plugin, for tests that compare our BuildKit exports with the
# CLI's. Debian 12 has no docker-buildx package; Debian 13 (trixie) has one: fetch it with
# apt from trixie's package list (kept apart from the system's, which stays untouched),
# and unpack only the plugin into .buildx/cli-plugins/ in the project. Prints its path.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/.buildx/cli-plugins"
plugin="$dest/docker-buildx"
if [ -x "$plugin" ]; then
    echo "$plugin"
    exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
# The Debian mirror this machine's apt already uses (its first non-security source).
mirror="$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
    sed -n -e 's/^URIs: *//p' -e 's/^deb \(\[[^]]*\] \)\?\([^ ]*\) .*/\2/p' |
    grep -v security | head -n 1 || true)"
[ -n "$mirror" ] || { echo "get-buildx: no Debian source in the apt configuration" >&2; exit 1; }
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" \
    >"$work/sources.list"
apt_opts=(
    -o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o APT::Sandbox::User=root
)
apt-get "${apt_opts[@]}" -qq update >&2
(cd "$work" && apt-get "${apt_opts[@]}" -qq download docker-buildx >&2)
dpkg-deb -x "$work"/docker-buildx_*.deb "$work/x"
mkdir -p "$dest"
install -m 0755 "$work/x/usr/libexec/docker/cli-plugins/docker-buildx" "$plugin"
echo "$plugin"
