#!/bin/bash
# Entry point of the replikv image (and of the redis comparison image, where
# REPLIKV_SERVER=redis-server). Usage:
#   replikv-entrypoint [config-file] [--directive value ...]   start the server
#   replikv-entrypoint --health                                 the HEALTHCHECK
#   replikv-entrypoint replikv-drill ...                        run another program
# REPLIKV_PASSWORD, when set, is passed as requirepass and masterauth (after
# the config file, so it wins over the file). A config file given as the
# first argument runs from a copy in /data (see below).
set -euo pipefail
server=${REPLIKV_SERVER:-replikv-server}
port=${REPLIKV_PORT:-6379}

if [[ ${1:-} == --health ]]; then
  # Healthy = a PING is answered with PONG on the served port.
  if command -v redis-cli >/dev/null 2>&1; then
    reply=$(REDISCLI_AUTH=${REPLIKV_PASSWORD:-} timeout 2 redis-cli -p "$port" ping 2>/dev/null)
  else
    reply=$(timeout 2 replikv-drill --call "127.0.0.1:$port" PING 2>/dev/null)
  fi
  [[ $reply == PONG ]]
  exit
fi

# A program name instead of a config file or a directive: run it.
if [[ $# -gt 0 && $1 != -* && $1 != /* && $1 != ./* ]] && command -v "$1" >/dev/null 2>&1; then
  exec "$@"
fi

args=("$@")
# A mounted config file is usually read-only, but Sentinel rewrites the
# replicaof line of a node it re-points (CONFIG REWRITE), and a container
# restarted from the template would follow the old primary again. So the
# template is copied once into the data volume and the copy is what runs;
# remove /data/replikv.conf (or the volume) to start from the template again.
if [[ $# -gt 0 && -f $1 && $1 != /data/* && -w /data ]]; then
  if [[ ! -s /data/replikv.conf ]]; then
    cp "$1" /data/replikv.conf
  fi
  args[0]=/data/replikv.conf
fi
if [[ -n ${REPLIKV_PASSWORD:-} ]]; then
  args+=(--requirepass "$REPLIKV_PASSWORD" --masterauth "$REPLIKV_PASSWORD")
fi
exec "$server" "${args[@]}"
