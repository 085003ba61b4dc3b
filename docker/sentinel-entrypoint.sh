#!/bin/bash
# Entry point of the Sentinel image: Sentinel needs a writable config file it
# owns (it records the state of the deployment there), so the mounted template
# is copied once into /data and the password appended.
set -euo pipefail
template=${SENTINEL_TEMPLATE:-/etc/replikv/sentinel.conf}
conf=/data/sentinel.conf
if [[ ${1:-} == --health ]]; then
  reply=$(timeout 2 redis-cli -p "${SENTINEL_PORT:-26379}" ping 2>/dev/null)
  [[ $reply == PONG ]]
  exit
fi
if [[ ! -s $conf ]]; then
  cp "$template" "$conf"
  if [[ -n ${REPLIKV_PASSWORD:-} ]]; then
    name=$(awk '$1 == "sentinel" && $2 == "monitor" { print $3; exit }' "$conf")
    printf 'sentinel auth-pass %s %s\n' "$name" "$REPLIKV_PASSWORD" >>"$conf"
  fi
fi
exec redis-sentinel "$conf" "$@"
