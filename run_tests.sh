#!/usr/bin/env bash
# The pack's one test command (CI runs it through .ci/run).
#   ./run_tests.sh              everything: format, lint, pack, unit and integration tiers
#   ./run_tests.sh --unit       unit tests only (no services)
#   ./run_tests.sh --pack       pack-metadata tests only
#   ./run_tests.sh --no-integration   skip the tier that needs the local cloud
#   ./run_tests.sh --st2 DIR --orquesta ODIR
#                               the real-StackStorm tier only: DIR a StackStorm source tree
#                               (e.g. the v3.9.0 tag or HEAD), ODIR the orquesta tree it pins
# Extra arguments after -- go to pytest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
# shellcheck source=tools/venv.sh
source tools/venv.sh

tiers=(tests/pack tests/unit tests/integration)
integration=1
pytest_extra=()
st2_dir=""
orquesta_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --unit) tiers=(tests/unit); integration=0 ;;
    --pack) tiers=(tests/pack); integration=0 ;;
    --no-integration) tiers=(tests/pack tests/unit); integration=0 ;;
    --st2) st2_dir="${2:?--st2 needs a StackStorm source tree}"; shift ;;
    --orquesta) orquesta_dir="${2:?--orquesta needs an orquesta source tree}"; shift ;;
    --) shift; pytest_extra=("$@"); break ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
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
phase "mypy --strict"
# All of the pack's Python is mypy --strict clean (pyproject [tool.mypy]); keep it so.
mypy_paths=(lib actions sensors/src)
"$py" -m mypy --follow-imports=silent "${mypy_paths[@]}"
phase "README action table"
"$py" -m tools.action_table --check

if [ -n "$st2_dir" ]; then
  exec "$here/tools/st2tier/run.sh" "$st2_dir" "$orquesta_dir" "${pytest_extra[@]}"
fi

if [ "$integration" = 1 ]; then
  phase "local cloud (tools/devcloud/devcloud up + seed)"
  ./tools/devcloud/devcloud up
  ./tools/devcloud/devcloud seed
  ./tools/services/ensure_monitoring.sh  # Alertmanager + Icinga 2 for the monitoring tests (issue 17)
  ./tools/services/ensure_browser.sh  # Chromium + vnu.jar for the report-render tests (issue 16)
fi

phase "pytest ${tiers[*]}"
# The fault/bad-input tier is every test marked @pytest.mark.fault(item) (issue 12);
# tests/conftest.py writes its summary line here, and in the full run fails the run
# when an item has no case.
fault_summary="$(mktemp)"
trap 'rm -f "$fault_summary"' EXIT
export OPENSTACK_OPS_FAULT_SUMMARY="$fault_summary"
if [ "$integration" = 1 ] && [ ${#pytest_extra[@]} -eq 0 ]; then
  export OPENSTACK_OPS_FAULT_ITEMS_REQUIRED=1
fi
set +e
"$py" -m pytest "${tiers[@]}" "${pytest_extra[@]}"
rc=$?
set -e
phase "done (pytest exit $rc)"
echo "== $(cat "$fault_summary" 2>/dev/null || echo "fault/bad-input tier: no case ran")"
echo "== real-StackStorm tier: NOT RUN (it needs a StackStorm source tree:" \
  "./run_tests.sh --st2 DIR --orquesta ODIR, see README 'Tests')"
exit $rc
