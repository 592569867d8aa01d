#!/usr/bin/env bash
# The lab client, run on web1 by failover-test.sh: one HTTP request to the VIP
# every INTERVAL_MS for DURATION_S seconds (so it always ends), one line per
# request: "<wall ms> ok <body>" or "<wall ms> fail <curl exit code>".
# Like src/lab/probe-main.ts, each request gives up after 300 ms.
# Usage: probe.sh [VIP] [PORT] [INTERVAL_MS] [DURATION_S]
set -uo pipefail

vip=${1:-198.18.0.100}
port=${2:-80}
interval_ms=${3:-10}
duration_s=${4:-15}

case "$vip" in
  198.18.0.*) ;;
  *) echo "probe.sh: $vip is outside the lab network 198.18.0.0/24" >&2; exit 2 ;;
esac

if ! [[ $interval_ms =~ ^[0-9]{1,3}$ && $duration_s =~ ^[0-9]{1,4}$ ]]; then
  echo "probe.sh: INTERVAL_MS must be 0-999 and DURATION_S 0-9999" >&2
  exit 2
fi

now_ms() {
  local t=${EPOCHREALTIME/./}
  echo $((t / 1000))
}

end=$(($(now_ms) + duration_s * 1000))
pause=$(printf '0.%03d' "$interval_ms")
while :; do
  started=$(now_ms)
  [ "$started" -lt "$end" ] || break
  if body=$(curl -s -m 0.3 "http://$vip:$port/"); then
    echo "$started ok $body"
  else
    echo "$started fail $?"
  fi
  sleep "$pause"
done
