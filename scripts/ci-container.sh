#!/usr/bin/env bash
# Builds the container image from Containerfile with buildah (no daemon: vfs
# storage, chroot isolation) and smoke-tests it: `version` must print a
# stamped version and revision, `sandbox` must run the whole job against the
# loopback emulators inside the image and exit 0.
#
# No image registry is reachable here, so the build stage's image (GO_IMAGE in
# Containerfile, golang:1.26 by default) is replaced by one assembled from this
# machine: its Go toolchain, git, a shell, a few core utilities and the CA
# certificates. The module and build caches are mounted from this machine, so
# the build needs no network either. Everything else is the Containerfile as
# users build it.
#
# Usage: scripts/ci-container.sh        (as root; installs buildah if missing)
set -euo pipefail
cd "$(dirname "$0")/.."

image=localhost/numora-connector:ci
goroot=$(go env GOROOT)
gover=$(go env GOVERSION)
builder=localhost/numora-connector-go-builder:$gover
b() { buildah --storage-driver vfs "$@"; }

if ! command -v buildah >/dev/null; then
  echo "== installing buildah"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq buildah >/dev/null
fi

# copy_with_libs ROOT BIN...: each program and the shared libraries it loads.
copy_with_libs() {
  local root=$1; shift
  local f
  for f in "$@" $(ldd "$@" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $1 !~ /:$/ {print $1}' | sort -u); do
    mkdir -p "$root$(dirname "$f")"
    cp -L "$f" "$root$f"
  done
}

# make_builder: the stand-in for golang:1.26, built once per Go version.
make_builder() {
  echo "== assembling the build-stage image $builder from this machine"
  local ctr=numora-connector-go-builder-work mnt
  b rm "$ctr" >/dev/null 2>&1 || true
  b from --name "$ctr" scratch >/dev/null
  mnt=$(b mount "$ctr")
  mkdir -p "$mnt/usr/local" "$mnt/etc/ssl/certs" "$mnt/tmp" "$mnt/root" "$mnt/go"
  chmod 1777 "$mnt/tmp"
  cp -a "$goroot" "$mnt/usr/local/go"
  copy_with_libs "$mnt" /bin/sh /bin/mkdir /bin/chmod /bin/cp /usr/bin/printf "$(command -v git)"
  cp -L /etc/ssl/certs/ca-certificates.crt "$mnt/etc/ssl/certs/"
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$mnt/etc/passwd"
  printf 'root:x:0:\n' >"$mnt/etc/group"
  b umount "$ctr" >/dev/null
  b config --env PATH=/usr/local/go/bin:/usr/bin:/bin --env GOPATH=/go --env HOME=/root "$ctr"
  b commit --quiet "$ctr" "$builder" >/dev/null
  b rm "$ctr" >/dev/null
}

b inspect --type image "$builder" >/dev/null 2>&1 || make_builder

# A git worktree's .git is a file pointing outside the build context: no
# VCS stamp there (CI builds a fresh clone, where .git is a directory).
buildvcs=auto
[ -d .git ] || buildvcs=false

echo "== go mod download (the module cache the build stage mounts)"
go mod download
modcache=$(go env GOMODCACHE)
gocache=$(go env GOCACHE)
mkdir -p "$gocache"

echo "== buildah bud -f Containerfile"
b bud --isolation chroot --quiet --pull=never \
  --build-arg GO_IMAGE="$builder" --build-arg BUILDVCS="$buildvcs" \
  --volume "$modcache:/go/pkg/mod" --volume "$gocache:/root/.cache/go-build" \
  --tag "$image" -f Containerfile . >/dev/null

user=$(b inspect --type image --format '{{.OCIv1.Config.User}}' "$image")
entrypoint=$(b inspect --type image --format '{{.OCIv1.Config.Entrypoint}}' "$image")
size=$(b images --format '{{.Size}}' "$image")
echo "image $image: $size, user $user, entrypoint $entrypoint"
[ "$user" = "65532:65532" ] || { echo "FAIL: image user is $user, want 65532:65532"; exit 1; }
[ "$entrypoint" = '[/usr/local/bin/numora-connector]' ] || { echo "FAIL: entrypoint $entrypoint"; exit 1; }

ctr=numora-connector-ci-smoke
b rm "$ctr" >/dev/null 2>&1 || true
b from --name "$ctr" --pull=never "$image" >/dev/null
trap 'b rm "$ctr" >/dev/null 2>&1 || true' EXIT
run() { b run --isolation chroot "$ctr" -- /usr/local/bin/numora-connector "$@"; }

echo "== in the image: numora-connector version"
version=$(run version)
echo "$version"
if [ "$buildvcs" = auto ]; then
  rev=$(git rev-parse HEAD | cut -c1-7)
  case "$version" in
    "numora-connector v"*"(rev $rev,"*) ;;
    *) echo "FAIL: want a module version and revision $rev"; exit 1 ;;
  esac
fi

echo "== in the image: numora-connector sandbox"
run sandbox >/tmp/ci-container-sandbox.$$ 2>&1 || {
  cat /tmp/ci-container-sandbox.$$; rm -f /tmp/ci-container-sandbox.$$
  echo "FAIL: sandbox in the image"; exit 1
}
grep -E '^(Sandbox|Summary|[0-9]+ passed)|as seeded' /tmp/ci-container-sandbox.$$ | head -5 || true
rm -f /tmp/ci-container-sandbox.$$

b rmi --prune >/dev/null 2>&1 || true
echo "container: 2 passed, 0 failed"
