#!/usr/bin/env bash
# Prepares this machine to build and run replikv's containers (docker/), from
# the Debian archive only. Idempotent: about a minute on a fresh machine, about
# a second after. Run as root (or source it and call replikv_containers_setup).
#
# Where a Docker engine answers (`docker info` and `docker compose version`),
# nothing is done: Docker pulls debian:bookworm itself.
# Otherwise, podman + podman-compose from Debian, with what a VM of the test
# machines' kind needs (../../shared facts, see docker/README in README.md):
#   - runc as the OCI runtime (crun refuses cgroup v1 hybrid hosts);
#   - default ulimits below the VM's hard limit (podman's default nofile of
#     1048576 fails every container with "setrlimit: operation not permitted");
#   - the base images debian:bookworm and debian:bookworm-slim, made from the
#     Debian archive with mmdebstrap and `podman import`, because no image
#     registry is reachable. The Dockerfile keeps its standard FROM lines.
set -euo pipefail

# With their recommends: netavark + aardvark-dns give the compose network its
# service-name DNS, iptables the published ports.
REPLIKV_CONTAINER_PKGS=(podman podman-compose runc mmdebstrap)
REPLIKV_CONTAINERS_CONF=/etc/containers/containers.conf
REPLIKV_BASE_IMAGES=(docker.io/library/debian:bookworm-slim docker.io/library/debian:bookworm)

replikv_docker_engine() {
  command -v docker >/dev/null 2>&1 || return 1
  timeout 10 docker info >/dev/null 2>&1 || return 1
  timeout 10 docker compose version >/dev/null 2>&1
}

# Writes the two settings into containers.conf unless they are there; keeps
# whatever else the file says.
replikv_containers_conf() {
  local conf=$REPLIKV_CONTAINERS_CONF
  mkdir -p "$(dirname "$conf")"
  touch "$conf"
  if grep -Eq '^[[:space:]]*runtime[[:space:]]*=[[:space:]]*"runc"' "$conf" &&
     grep -Eq '^[[:space:]]*default_ulimits[[:space:]]*=' "$conf"; then
    return 0
  fi
  echo "containers.sh: writing runtime=runc and default_ulimits into $conf" >&2
  local tmp
  tmp=$(mktemp "$conf.XXXXXX")
  # Drop earlier values of the two keys, then add both under their tables.
  # A table header repeated later in the file is still valid TOML for
  # podman's parser only if the keys are not duplicated, hence the filter.
  { grep -Ev '^[[:space:]]*(runtime|default_ulimits)[[:space:]]*=' "$conf" || true; } |
    awk '
      /^\[engine\]/     { print; print "runtime = \"runc\""; e = 1; next }
      /^\[containers\]/ { print; print "default_ulimits = [\"nofile=10000:10000\", \"nproc=4096:4096\"]"; c = 1; next }
      { print }
      END {
        if (!c) { print "[containers]"; print "default_ulimits = [\"nofile=10000:10000\", \"nproc=4096:4096\"]" }
        if (!e) { print "[engine]"; print "runtime = \"runc\"" }
      }' >"$tmp"
  chmod 644 "$tmp"
  mv "$tmp" "$conf"
}

# debian:bookworm(-slim) in local storage, from the archive, unless present.
replikv_base_images() {
  local missing=0 image
  for image in "${REPLIKV_BASE_IMAGES[@]}"; do
    podman image exists "$image" || missing=1
  done
  ((missing)) || return 0
  echo "containers.sh: building the Debian bookworm base image with mmdebstrap" >&2
  local work
  work=$(mktemp -d /tmp/replikv-rootfs.XXXXXX)
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" RETURN
  mmdebstrap --quiet --variant=apt --include=ca-certificates bookworm \
    "$work/rootfs.tar" >/dev/null
  podman import -q "$work/rootfs.tar" "${REPLIKV_BASE_IMAGES[0]}" >/dev/null
  podman tag "${REPLIKV_BASE_IMAGES[0]}" "${REPLIKV_BASE_IMAGES[1]}"
}

replikv_containers_setup() {
  if replikv_docker_engine; then
    return 0
  fi
  if [[ $(id -u) -ne 0 ]]; then
    echo "containers.sh: needs root to install podman and configure it" >&2
    return 1
  fi
  local missing=() pkg
  for pkg in "${REPLIKV_CONTAINER_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    echo "containers.sh: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  replikv_containers_conf
  replikv_base_images
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  replikv_containers_setup
  echo "containers.sh: ready"
fi
