#!/usr/bin/env bash
# Install the monitoring services the integration tier starts on 127.0.0.1 (issue 17):
# Debian's prometheus-alertmanager (with amtool) and icinga2. Installs with apt only
# what is missing; does nothing when both binaries are present. The tests start their
# own instances (tests/integration/alertmanager_server.py, icinga_server.py) with a
# private config: the system services are never started or enabled here.
set -euo pipefail

missing=()
command -v prometheus-alertmanager >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
command -v icinga2 >/dev/null 2>&1 || missing+=(icinga2)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo -n)
else
  echo "ensure_monitoring: ${missing[*]} missing and not root (no sudo): install them" \
    "with apt-get install ${missing[*]}" >&2
  exit 1
fi

echo "ensure_monitoring: installing ${missing[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
# An index older than a day may lack the packages' current versions.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
  "${sudo[@]}" apt-get update -q
fi
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

for binary in prometheus-alertmanager icinga2; do
  if ! command -v "$binary" >/dev/null 2>&1; then
    echo "ensure_monitoring: $binary still missing after apt-get install" >&2
    exit 1
  fi
done
