#!/usr/bin/env bash
# Runs test/lab/pair.test.ts's failover scenarios on the Vagrant VMs and
# prints the client-observed outage of each. Run on the host after
# `vagrant up`, from anywhere in the checkout:
#
#   ./vagrant/failover-test.sh [scenario ...]
#
# Scenarios (all by default): box-death, box-death-v2, sigterm, sigkill-master,
# link-flap, nopreempt. The client is web1 (vagrant/probe.sh: one request to
# the VIP every 10 ms). Outages are measured on web1's clock alone, as the
# longest gap between two good answers, so VM clock skew does not enter.
# Lab traffic goes only to 198.18.0.0/24; the VMs are driven over Vagrant's
# own ssh link. Exits 1 if any scenario misses the namespace lab's bound.

# The remote snippets are single-quoted on purpose: $LAB_IF expands on the VM.
# shellcheck disable=SC2016
set -euo pipefail

cd "$(dirname "$0")/.."

readonly VIP=198.18.0.100
readonly PROBE_INTERVAL_MS=10
readonly PROBE_S=12
readonly ALL_SCENARIOS=(box-death box-death-v2 sigterm sigkill-master link-flap nopreempt)

workdir=$(mktemp -d)
ssh_cfg="$workdir/ssh_config"
probe_log="$workdir/probe.log"
probe_pid=""
failures=0

cleanup() {
  if [ -n "$probe_pid" ]; then
    kill "$probe_pid" 2>/dev/null || true
    wait "$probe_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT

# Runs a root shell snippet on a load balancer, with LAB_IF (its lab link)
# from the env file provision-lb.sh wrote.
on_lb() {
  local vm=$1
  shift
  ssh -F "$ssh_cfg" "$vm" 'sudo bash -s' <<<". /etc/hapair-lab.env; $*"
}

# Prints which load balancers list the VIP ("lb1", "lb2", "lb1 lb2" or "none").
holders() {
  local out=() vm
  for vm in lb1 lb2; do
    if on_lb "$vm" "ip -4 -o addr show dev \"\$LAB_IF\" | grep -qF ' $VIP/'"; then
      out+=("$vm")
    fi
  done
  if [ ${#out[@]} -eq 0 ]; then echo none; else echo "${out[*]}"; fi
}

# wait_holders PATTERN SECONDS: polls until holders matches the extended regex.
wait_holders() {
  local want=$1 deadline=$((SECONDS + $2)) now
  while [ "$SECONDS" -lt "$deadline" ]; do
    now=$(holders)
    if [[ $now =~ ^($want)$ ]]; then
      echo "$now"
      return 0
    fi
    sleep 0.5
  done
  echo "timeout: VIP on '$(holders)', wanted '$want'" >&2
  return 1
}

# configure VERSION ADVERT_INT [--nopreempt]: regenerates both nodes' configs
# with vagrant/gen-config.mjs and restarts hapair on them.
configure() {
  local vm
  for vm in lb2 lb1; do
    on_lb "$vm" "node /opt/hapair/vagrant/gen-config.mjs \"\$LAB_NODE\" --interface \"\$LAB_IF\" \
      --version $1 --advert-int $2 ${3:-} && systemctl restart hapair"
  done
}

# Both links up, both nodes restarted; waits for one VIP holder (PATTERN).
reset_pair() {
  local vm
  for vm in lb2 lb1; do
    on_lb "$vm" 'ip link set "$LAB_IF" up; systemctl restart hapair'
  done
  wait_holders "$1" 30 >/dev/null
  # Health checks need rise 2 × inter 500 ms before the proxy tracker is green.
  sleep 2
}

start_probe() {
  : >"$probe_log"
  ssh -F "$ssh_cfg" web1 bash -s -- "$VIP" 80 "$PROBE_INTERVAL_MS" "$PROBE_S" \
    <vagrant/probe.sh >"$probe_log" &
  probe_pid=$!
  for _ in $(seq 1 50); do
    [ "$(grep -c ' ok ' "$probe_log" || true)" -ge 50 ] && return 0
    sleep 0.2
  done
  echo "the probe on web1 got no steady answers from $VIP" >&2
  return 1
}

finish_probe() {
  wait "$probe_pid" || true
  probe_pid=""
}

# Prints "GAP_MS FAILED_IN_GAP FAILED_TOTAL REQUESTS UNFINISHED" from the probe log;
# UNFINISHED > 0 means the last answers were failures (the outage had not ended).
outage() {
  awk '
    { sub(/\r$/, "") }
    $2 == "ok" {
      if (prev != "" && $1 - prev > gap) { gap = $1 - prev; gapfail = run }
      prev = $1; run = 0; n++; next
    }
    $2 == "fail" { run++; failed++; n++ }
    END { printf "%d %d %d %d %d\n", gap, gapfail, failed, n, run }
  ' "$probe_log"
}

# verdict NAME BOUND_MS HOLDERS_WANTED HOLDERS_SEEN
verdict() {
  local name=$1 bound=$2 want=$3 seen=$4 gap gapfail failed n open ok=yes
  read -r gap gapfail failed n open < <(outage)
  [ "$open" -eq 0 ] || ok=no
  [ "$bound" = - ] || [ "$gap" -lt "$bound" ] || ok=no
  [[ $seen =~ ^($want)$ ]] || ok=no
  printf '%-16s outage %5d ms (%d failed in it; %d of %d failed in all)  bound %s ms  VIP on %s  %s\n' \
    "$name" "$gap" "$gapfail" "$failed" "$n" "$bound" "$seen" "$([ $ok = yes ] && echo PASS || echo FAIL)"
  if [ $ok = no ]; then
    failures=$((failures + 1))
    on_lb lb1 'journalctl -u hapair -n 15 --no-pager -o cat' || true
    on_lb lb2 'journalctl -u hapair -n 15 --no-pager -o cat' || true
  fi
}

# A box death: every hapair process killed and the link down at one instant.
box_death() {
  local name=$1 bound=$2 seen
  reset_pair lb1
  start_probe
  on_lb lb1 'ip link set "$LAB_IF" down & systemctl kill --signal=SIGKILL hapair; wait'
  seen=$(wait_holders 'lb2|lb1 lb2' 10 || holders)
  finish_probe
  # The dead box still lists the VIP on its downed link; the survivor must hold it.
  verdict "$name" "$bound" 'lb2|lb1 lb2' "$seen"
}

scenario_box_death() { box_death box-death 1000; }

# VRRPv2, advert_int 1: master-down = 3 × 1 s + skew (156/256 s) + 0.5 s GARP/probe slack + 1 s.
scenario_box_death_v2() {
  configure 2 1
  box_death box-death-v2 5110
  configure 3 0.1
}

# SIGTERM of the master alone: it advertises priority 0 and keeps the VIP
# until it hears the new master.
scenario_sigterm() {
  local seen
  reset_pair lb1
  start_probe
  on_lb lb1 'systemctl kill --kill-whom=main --signal=SIGTERM hapair'
  seen=$(wait_holders lb2 5 || holders)
  finish_probe
  verdict sigterm 300 lb2 "$seen"
}

# SIGKILL of the master hapair process alone: the VIP must end on exactly one box.
scenario_sigkill_master() {
  local seen
  reset_pair lb1
  start_probe
  on_lb lb1 'systemctl kill --kill-whom=main --signal=SIGKILL hapair'
  seen=$(wait_holders lb2 5 || holders)
  finish_probe
  verdict sigkill-master 2000 lb2 "$seen"
}

# Link down on the master (FAULT, lb2 takes over), link up (lb1 preempts back).
scenario_link_flap() {
  local seen
  reset_pair lb1
  start_probe
  on_lb lb1 'ip link set "$LAB_IF" down'
  wait_holders lb2 5 >/dev/null || true
  on_lb lb1 'ip link set "$LAB_IF" up'
  seen=$(wait_holders lb1 5 || holders)
  finish_probe
  verdict link-flap - lb1 "$seen"
}

# With nopreempt the box that took over keeps the VIP after the link returns.
scenario_nopreempt() {
  local master other seen
  configure 3 0.1 --nopreempt
  wait_holders 'lb1|lb2' 30 >/dev/null
  # Restarting both nodes may move the VIP once more; take the settled holder.
  sleep 2
  master=$(wait_holders 'lb1|lb2' 10)
  if [ "$master" = lb1 ]; then other=lb2; else other=lb1; fi
  start_probe
  on_lb "$master" 'ip link set "$LAB_IF" down'
  wait_holders "$other" 5 >/dev/null || true
  on_lb "$master" 'ip link set "$LAB_IF" up'
  sleep 2.5
  seen=$(holders)
  finish_probe
  verdict nopreempt - "$other" "$seen"
  configure 3 0.1
}

main() {
  local scenarios=("$@") s
  [ ${#scenarios[@]} -gt 0 ] || scenarios=("${ALL_SCENARIOS[@]}")
  for s in "${scenarios[@]}"; do
    [[ " ${ALL_SCENARIOS[*]} " == *" $s "* ]] || {
      echo "unknown scenario '$s' (known: ${ALL_SCENARIOS[*]})" >&2
      exit 2
    }
  done
  command -v vagrant >/dev/null || { echo "vagrant is not installed" >&2; exit 2; }
  vagrant ssh-config lb1 lb2 web1 >"$ssh_cfg"
  echo "hapair HA pair on Vagrant VMs: VIP $VIP:80, client web1 probing every ${PROBE_INTERVAL_MS} ms"
  for s in "${scenarios[@]}"; do
    "scenario_${s//-/_}"
  done
  reset_pair lb1
  if [ "$failures" -gt 0 ]; then
    echo "$failures scenario(s) failed" >&2
    exit 1
  fi
  echo "all scenarios passed"
}

main "$@"
