#!/usr/bin/env bash
# Provisions a lab backend (web1, web2): nginx on port 80 answering with the
# VM's own name, so a client of the VIP sees which backend served it; curl for
# the probe (vagrant/probe.sh) that failover-test.sh runs from web1.
# Usage (run by Vagrant as root): provision-web.sh NAME
set -euo pipefail

name=${1:?usage: provision-web.sh NAME}

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends nginx curl

# The default site lists index.html before Debian's own page.
printf '%s\n' "$name" >/var/www/html/index.html
systemctl enable nginx
systemctl restart nginx

# Readiness: the page must come back with this VM's name (bounded wait).
for _ in $(seq 1 20); do
  if [ "$(curl -s -m 1 http://127.0.0.1/)" = "$name" ]; then
    echo "$name: nginx answers with its name"
    exit 0
  fi
  sleep 0.5
done
echo "$name: nginx did not answer on 127.0.0.1:80" >&2
exit 1
