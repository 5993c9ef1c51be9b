#!/usr/bin/env bash
# Build aiodock-test/busybox:latest from busybox-static, no registry needed, on the engine
# at DOCKER_HOST (a unix:// socket) or /var/run/docker.sock: Docker or Podman alike, through
# the Engine API with curl (no docker CLI).
set -euo pipefail
repo=aiodock-test/busybox
tag=latest
case ${DOCKER_HOST:-} in
"") sock=/var/run/docker.sock ;;
unix://*) sock=${DOCKER_HOST#unix://} ;;
*) echo "make-test-image: DOCKER_HOST=$DOCKER_HOST is not a unix:// socket" >&2 && exit 1 ;;
esac
api() {
    curl -fsS --max-time 120 --unix-socket "$sock" "$@"
}
if api -o /dev/null "http://localhost/images/$repo:$tag/json" 2>/dev/null; then
    exit 0
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/root" "$root/proc" "$root/sys" "$root/dev"
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
tar -C "$root" -cf "$root.tar" .
trap 'rm -rf "$root" "$root.tar"' EXIT
# changes: ENV PATH=/bin and CMD ["/bin/sh"], URL-encoded
answer=$(api -X POST -H 'Content-Type: application/x-tar' --data-binary "@$root.tar" \
    "http://localhost/images/create?fromSrc=-&repo=$repo&tag=$tag&changes=ENV%20PATH%3D%2Fbin&changes=CMD%20%5B%22%2Fbin%2Fsh%22%5D")
if grep -q '"error' <<<"$answer" || ! api -o /dev/null "http://localhost/images/$repo:$tag/json"; then
    echo "make-test-image: the engine did not import $repo:$tag: $answer" >&2
    exit 1
fi
echo "make-test-image: built $repo:$tag"
