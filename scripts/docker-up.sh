#!/usr/bin/env bash
# Make sure a Docker daemon answers and the test image exists.
# Uses DOCKER_HOST or /var/run/docker.sock when they answer; otherwise installs
# Debian's docker.io (as root) and starts the project's own dockerd, its pid and
# log files under .docker/ in the project.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
state="$here/.docker"
mkdir -p "$state"
sock=/var/run/docker.sock

# Through the API with curl (no docker CLI): DOCKER_HOST's unix or plain tcp address, or
# the default socket.
answers() {
    local host=${DOCKER_HOST:-unix://$sock}
    case $host in
    unix://*) curl -fsS --max-time 3 --unix-socket "${host#unix://}" http://localhost/_ping ;;
    tcp://*) curl -fsS --max-time 3 "http://${host#tcp://}/_ping" ;;
    *) return 1 ;;
    esac >/dev/null 2>&1
}

need_packages() {
    local missing=()
    command -v dockerd >/dev/null || missing+=(docker.io)
    command -v docker-registry >/dev/null || missing+=(docker-registry)
    [ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx wget || missing+=(busybox-static)
    command -v curl >/dev/null || missing+=(curl)
    command -v htpasswd >/dev/null || missing+=(apache2-utils)
    # ssh:// daemon tests: the ssh client and a throwaway sshd of the test's own
    command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || missing+=(openssh-client)
    [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
    # the build test that an engine without BuildKit refuses runs a Podman service of its own
    command -v podman >/dev/null || missing+=(podman)
    # the swarm cluster tests: network namespaces, veth links and a bridge (iptables and
    # nsenter come with docker.io and util-linux)
    command -v ip >/dev/null || missing+=(iproute2)
    if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" != 0 ]; then
            echo "docker-up: need ${missing[*]} and root to install them" >&2
            exit 1
        fi
        echo "docker-up: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >/dev/null
        apt-get install -y -q "${missing[@]}" >/dev/null
    fi
}

start_daemon() {
    # A stale pid file from a daemon that is gone must not stop the new one.
    for pidfile in "$state/dockerd.pid" /var/run/docker.pid; do
        if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            rm -f "$pidfile"
        fi
    done
    if [ -f "$state/dockerd.pid" ]; then
        echo "docker-up: dockerd $(cat "$state/dockerd.pid") runs but does not answer yet"
    else
        # containerd's own leftovers from a killed daemon
        rm -f /var/run/docker/containerd/containerd.pid
        echo "docker-up: starting dockerd (log: $state/dockerd.log)"
        setsid nohup dockerd --pidfile "$state/dockerd.pid" -H "unix://$sock" \
            >"$state/dockerd.log" 2>&1 </dev/null &
    fi
    for _ in $(seq 1 120); do
        answers && return 0
        sleep 0.5
    done
    echo "docker-up: dockerd did not answer /_ping within 60 s; its log:" >&2
    tail -n 30 "$state/dockerd.log" >&2 || true
    exit 1
}

need_packages
if answers; then
    echo "docker-up: a daemon answers"
else
    unset DOCKER_HOST
    start_daemon
fi
"$here/scripts/make-test-image.sh"
