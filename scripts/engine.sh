#!/usr/bin/env bash
# The engines the tests run on, each from Debian's packages and each in a network namespace
# of its own, so that none disturbs another nor the daemon on /var/run/docker.sock:
#
#   scripts/engine.sh up NAME          start it (building its package tree first if missing)
#   scripts/engine.sh down NAME        stop it, remove its containers and its namespace
#   scripts/engine.sh exec NAME CMD..  run CMD in its namespace with DOCKER_HOST set to it
#   scripts/engine.sh status [NAME]    whether it answers, its version and socket
#   scripts/engine.sh names            the engines this script knows
#
# NAME is one of:
#   docker-20.10  bookworm's docker.io, this system's dockerd
#   docker-28     sid's docker.io (28.x), from a tree of its own
#   podman-4      bookworm's podman, `podman system service` on this system
#   podman-5      sid's podman (5.x), from a tree of its own
#
# A tree is a Debian root that mmdebstrap builds from sid, cached under
# AIODOCK_ENGINE_CACHE (default /var/cache/aiodock-engines); the engine runs in a mount
# namespace of its own after pivot_root into it, the directory of its socket bind-mounted
# out. Each engine's data is kept under /var/lib/aiodock-engines/NAME, its socket, pid and
# log under /run/aiodock-engines/NAME. Every engine gets the test image.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${AIODOCK_ENGINE_CACHE:-/var/cache/aiodock-engines}
states=/run/aiodock-engines
datas=/var/lib/aiodock-engines
names="docker-20.10 docker-28 podman-4 podman-5"

die() {
    echo "engine: $*" >&2
    exit 1
}

usage() {
    sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}

pick() {
    name=${1:-}
    case " $names " in
    *" $name "*) ;;
    *) die "unknown engine '${name}' (one of: $names)" ;;
    esac
    netns=aiodock-$name
    state=$states/$name
    data=$datas/$name
    sock=$state/sock/docker.sock
    tree=
    case $name in
    docker-28) tree=$cache/docker-28 ;;
    podman-5) tree=$cache/podman-5 ;;
    esac
}

answers() {
    curl -fsS --max-time 3 --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1
}

running() {
    [ -f "$state/pid" ] && kill -0 "$(cat "$state/pid")" 2>/dev/null
}

install_missing() {
    local missing=() package
    for package in "$@"; do
        dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'ok installed' ||
            missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" = 0 ] || die "need ${missing[*]} and root to install them"
    echo "engine: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # one apt at a time when several engines come up at once (test-engines.sh)
    (
        flock 9
        apt-get update -q >/dev/null
        apt-get install -y -q "${missing[@]}" >/dev/null
    ) 9>/var/lock/aiodock-engines-apt.lock
}

# The Debian archive this system's apt already uses (AIODOCK_DEBIAN_MIRROR overrides).
debian_mirror() {
    if [ -n "${AIODOCK_DEBIAN_MIRROR:-}" ]; then
        echo "$AIODOCK_DEBIAN_MIRROR"
        return
    fi
    local codename
    codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
    apt-get indextargets --format '$(REPO_URI) $(CODENAME)' |
        awk -v c="$codename" '$2 == c { print $1; exit }'
}

# Build the engine's tree from sid once; built again when its package list changed or
# its daemon is missing.
ensure_tree() {
    local binary=$1 packages
    shift
    packages=$(
        IFS=,
        echo "$*"
    )
    [ -x "$tree$binary" ] && [ "$(cat "$tree/.aiodock-packages" 2>/dev/null)" = "$packages" ] &&
        return 0
    install_missing mmdebstrap
    local mirror
    mirror=$(debian_mirror)
    [ -n "$mirror" ] || die "no Debian archive found in apt's sources"
    echo "engine: building $tree from sid ($packages)"
    mkdir -p "$cache"
    rm -rf "$tree.new"
    # sid's Release is a snapshot that apt would call expired
    mmdebstrap --quiet --variant=minbase --aptopt='Acquire::Check-Valid-Until "false"' \
        --include="$packages" sid "$tree.new" "$mirror"
    echo "$packages" >"$tree.new/.aiodock-packages"
    rm -rf "$tree"
    mv "$tree.new" "$tree"
}

# Settings for rootful Podman here: ulimits within this machine's hard limits (Podman's
# defaults fail every start with "error setting rlimit"), no systemd (cgroupfs, events to a
# file, k8s-file logs) and catatonit for init=True. $1: where its state lives.
podman_conf() {
    local root=$1 run=$2
    cat <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
init_path = "/usr/bin/catatonit"
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$run/events.log"
tmp_dir = "$run/libpod"
static_dir = "$root/libpod"
volume_path = "$root/volumes"

[network]
network_config_dir = "$root/networks"
EOF
}

# The tests' registries listen on 127.0.0.1:45000-45099 (tests/integration/registry.py)
# over plain HTTP; Docker trusts any loopback registry, Podman only those listed.
registries_conf() {
    local port
    for port in $(seq 45000 45099); do
        printf '[[registry]]\nlocation = "127.0.0.1:%s"\ninsecure = true\n' "$port"
    done
}

storage_conf() {
    local root=$1 run=$2
    cat <<EOF
[storage]
driver = "overlay"
graphroot = "$root/storage"
runroot = "$run/storage"
EOF
}

# The command line of the engine's daemon, as seen from where it runs.
daemon_command() {
    case $name in
    docker-20.10)
        echo dockerd -H "unix://$sock" --data-root "$data" --exec-root "$state/run/exec" \
            --pidfile "$state/run/dockerd.pid"
        ;;
    docker-28)
        echo dockerd -H unix:///run/aiodock/docker.sock
        ;;
    podman-4)
        echo env CONTAINERS_CONF="$state/containers.conf" \
            CONTAINERS_STORAGE_CONF="$state/storage.conf" \
            CONTAINERS_REGISTRIES_CONF="$state/registries.conf" \
            podman system service --time=0 "unix://$sock"
        ;;
    podman-5)
        echo podman system service --time=0 unix:///run/aiodock/docker.sock
        ;;
    esac
}

prepare() {
    case $name in
    docker-20.10) install_missing docker.io ;;
    docker-28) ensure_tree /usr/sbin/dockerd docker.io iptables procps ;;
    podman-4)
        install_missing podman catatonit
        podman_conf "$data" "$state/run" >"$state/containers.conf"
        storage_conf "$data" "$state/run" >"$state/storage.conf"
        registries_conf >"$state/registries.conf"
        ;;
    podman-5)
        ensure_tree /usr/bin/podman podman catatonit aardvark-dns nftables iptables
        mkdir -p "$tree/etc/containers"
        podman_conf /var/lib/containers /run/aiodock-podman >"$tree/etc/containers/containers.conf"
        storage_conf /var/lib/containers /run/aiodock-podman >"$tree/etc/containers/storage.conf"
        registries_conf >"$tree/etc/containers/registries.conf"
        ;;
    esac
}

# The mount namespace the daemon runs in: a fresh sysfs for its network namespace (with
# the cgroup hierarchies carried over), and for a tree a pivot_root into it.
mount_setup() {
    if [ -z "$tree" ]; then
        cat <<EOF
set -e
mount --make-rprivate /
mkdir -p '$state/run' '$state/cgroup'
mount -t tmpfs -o mode=0700 tmpfs '$state/run'
mount --rbind /sys/fs/cgroup '$state/cgroup'
mount -t sysfs sysfs /sys
mount --move '$state/cgroup' /sys/fs/cgroup
EOF
        return
    fi
    local lib=/var/lib/docker
    [ "$name" = podman-5 ] && lib=/var/lib/containers
    cat <<EOF
set -e
mount --make-rprivate /
r='$tree'
mount --bind "\$r" "\$r"
mkdir -p "\$r/proc" "\$r/sys" "\$r/dev" "\$r/run" "\$r/tmp" "\$r$lib" "\$r/.oldroot"
mount -t proc proc "\$r/proc"
mount -t sysfs sysfs "\$r/sys"
mount --rbind /sys/fs/cgroup "\$r/sys/fs/cgroup"
# crun refuses a hybrid cgroup v1 + v2 layout: keep the v1 hierarchies only
if mountpoint -q "\$r/sys/fs/cgroup/unified"; then umount -l "\$r/sys/fs/cgroup/unified"; fi
mount --rbind /dev "\$r/dev"
mount -t tmpfs tmpfs "\$r/run"
mount -t tmpfs tmpfs "\$r/tmp"
mkdir -p "\$r/run/aiodock"
mount --bind '$state/sock' "\$r/run/aiodock"
mount --bind '$data' "\$r$lib"
cd "\$r"
pivot_root . .oldroot
umount -l /.oldroot
cd /
EOF
}

make_netns() {
    if ! ip netns list | grep -qw "^$netns"; then
        ip netns add "$netns"
    fi
    ip -n "$netns" link set lo up
}

up() {
    pick "$1"
    install_missing curl busybox-static # the API calls here and the test image
    mkdir -p "$state/sock" "$data"
    if running && answers; then
        echo "engine: $name answers on $sock"
    else
        running && die "$name (pid $(cat "$state/pid")) runs but does not answer; 'down' it first"
        prepare
        make_netns
        rm -f "$sock"
        echo "engine: starting $name (log: $state/log)"
        # nsenter and unshare exec, so the pid is the daemon's
        # shellcheck disable=SC2046
        setsid nohup nsenter --net="/run/netns/$netns" unshare --mount --propagation private \
            sh -c "$(mount_setup)"'
exec "$@"' sh $(daemon_command) >"$state/log" 2>&1 </dev/null &
        echo $! >"$state/pid"
        local _
        for _ in $(seq 1 240); do
            answers && break
            running || {
                tail -n 30 "$state/log" >&2
                die "$name exited"
            }
            sleep 0.5
        done
        answers || {
            tail -n 30 "$state/log" >&2
            die "$name did not answer /_ping within 120 s"
        }
    fi
    DOCKER_HOST="unix://$sock" "$here/scripts/make-test-image.sh"
    status_line
}

api() {
    curl -fsS --max-time 30 --unix-socket "$sock" "$@"
}

# Remove every container (and Podman pod): Podman's live on without its service.
remove_containers() {
    local id
    for id in $(api 'http://localhost/containers/json?all=1' |
        python3 -c 'import json,sys; print(*(c["Id"] for c in json.load(sys.stdin)))'); do
        api -X DELETE -o /dev/null "http://localhost/containers/$id?force=1&v=1" || true
    done
    if [[ $name == podman-* ]]; then
        for id in $(api 'http://localhost/v4.0.0/libpod/pods/json' |
            python3 -c 'import json,sys; print(*(p["Id"] for p in json.load(sys.stdin) or []))'); do
            api -X DELETE -o /dev/null "http://localhost/v4.0.0/libpod/pods/$id?force=true" || true
        done
    fi
}

down() {
    pick "$1"
    if answers; then
        remove_containers || true
    fi
    if running; then
        local pid
        pid=$(cat "$state/pid")
        kill "$pid"
        timeout 30 tail --pid="$pid" -f /dev/null || kill -9 "$pid" 2>/dev/null || true
        echo "engine: stopped $name (pid $pid)"
    fi
    rm -f "$state/pid" "$sock"
    if ip netns list | grep -qw "^$netns"; then
        # what the engine left running in its namespace (containerd, shims, conmon)
        local pids
        pids=$(ip netns pids "$netns")
        if [ -n "$pids" ]; then
            # shellcheck disable=SC2086
            kill $pids 2>/dev/null || true
            sleep 1
            # shellcheck disable=SC2046
            kill -9 $(ip netns pids "$netns") 2>/dev/null || true
        fi
        ip netns delete "$netns"
    fi
}

run_in() {
    pick "$1"
    shift
    [ $# -gt 0 ] || die "exec: no command"
    answers || die "$name does not answer on $sock: run 'scripts/engine.sh up $name'"
    exec nsenter --net="/run/netns/$netns" env DOCKER_HOST="unix://$sock" AIODOCK_ENGINE="$name" "$@"
}

status_line() {
    if answers; then
        local version
        version=$(api http://localhost/version |
            python3 -c 'import json,sys; v=json.load(sys.stdin); print(v["Version"], "API", v["ApiVersion"])')
        echo "$name: up, $version, DOCKER_HOST=unix://$sock, netns $netns"
    elif running; then
        echo "$name: running (pid $(cat "$state/pid")) but not answering; log: $state/log"
    else
        echo "$name: down"
    fi
}

status() {
    local one
    for one in ${1:-$names}; do
        pick "$one"
        status_line
    done
}

case ${1:-} in
up) up "${2:-}" ;;
down) down "${2:-}" ;;
exec)
    shift
    run_in "$@"
    ;;
status) status "${2:-}" ;;
names) echo "$names" ;;
*) usage ;;
esac
