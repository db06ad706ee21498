#!/usr/bin/env bash
# The pack's one test command (CI runs it through .ci/run).
#   ./run_tests.sh              everything: format, lint, pack, unit and integration tiers
#   ./run_tests.sh --unit       unit tests only (no services)
#   ./run_tests.sh --pack       pack-metadata tests only
#   ./run_tests.sh --no-integration   skip the tier that needs the local cloud
# Extra arguments after -- go to pytest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
# shellcheck source=tools/venv.sh
source tools/venv.sh

tiers=(tests/pack tests/unit tests/integration)
integration=1
pytest_extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --unit) tiers=(tests/unit); integration=0 ;;
    --pack) tiers=(tests/pack); integration=0 ;;
    --no-integration) tiers=(tests/pack tests/unit); integration=0 ;;
    --) shift; pytest_extra=("$@"); break ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

start=$SECONDS
phase() { echo "== $1 (t+$((SECONDS - start))s)"; }

phase "virtualenv"
ensure_venv "$here" requirements-test.txt
py="$here/.venv/bin/python"

phase "black --check"
"$py" -m black --check -q .
phase "ruff"
"$py" -m ruff check -q .
phase "README action table"
"$py" -m tools.action_table --check

if [ "$integration" = 1 ]; then
  phase "local cloud (tools/devcloud/devcloud up + seed)"
  ./tools/devcloud/devcloud up
  ./tools/devcloud/devcloud seed
fi

phase "pytest ${tiers[*]}"
set +e
"$py" -m pytest "${tiers[@]}" "${pytest_extra[@]}"
rc=$?
set -e
phase "done (pytest exit $rc)"
exit $rc
