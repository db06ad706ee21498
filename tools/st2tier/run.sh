#!/usr/bin/env bash
# The real-StackStorm tier: ./run_tests.sh --st2 DIR --orquesta ODIR [-- pytest args]
#   DIR   a StackStorm source tree (st2common/, st2reactor/, ... at a tag or HEAD)
#   ODIR  the orquesta source tree that DIR pins (StackStorm installs it from git;
#         PyPI's orquesta 1.2.0 does not import on Python 3.11)
# Builds StackStorm's virtualenv and the pack's as StackStorm lays them out
# (tools/st2tier/build.sh), brings up the local cloud, runs tests/st2tier with
# StackStorm's python, then the pack and unit tiers the way st2-run-pack-tests runs
# them (StackStorm's packages first on PYTHONPATH, real st2common/st2reactor/st2tests).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here"
st2_dir="$1"
orquesta_dir="$2"
shift 2
pytest_extra=("$@")

if [ ! -d "$st2_dir/st2common/st2common" ]; then
  echo "--st2 $st2_dir: not a StackStorm source tree (no st2common/st2common)" >&2
  exit 2
fi
if [ -z "$orquesta_dir" ] || [ ! -f "$orquesta_dir/setup.py" ]; then
  pin="$(grep -h 'orquesta' "$st2_dir/st2common/requirements.txt" | head -1)"
  echo "--orquesta ODIR is needed: $st2_dir pins '$pin' (fetched from git by" \
    "StackStorm; PyPI's orquesta does not import on Python 3.11). Extract that" \
    "commit of StackStorm/orquesta and pass its path." >&2
  exit 2
fi
st2_dir="$(cd "$st2_dir" && pwd)"
orquesta_dir="$(cd "$orquesta_dir" && pwd)"
version="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$st2_dir/st2common/st2common/__init__.py")"
# Outside the checkout: the layout links packs/openstack_ops back to it, and a tree
# walk from the checkout (a test's copy of the pack, a linter) must not loop into it.
tier_root="${ST2TIER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/openstack_ops-st2tier}"
out="$tier_root/st2-${version}-$(echo "$st2_dir" | sha256sum | cut -c1-8)"

start=$SECONDS
phase() { echo "== $1 (t+$((SECONDS - start))s)"; }

phase "real-StackStorm tier: StackStorm $version from $st2_dir, orquesta from $orquesta_dir"
phase "local cloud (tools/devcloud/devcloud up + seed)"
./tools/devcloud/devcloud up
./tools/devcloud/devcloud seed

phase "StackStorm and pack virtualenvs (tools/st2tier/build.sh -> $out)"
./tools/st2tier/build.sh "$st2_dir" "$orquesta_dir" "$out"

phase "pytest tests/st2tier with StackStorm's python"
set +e
ST2TIER_OUT="$out" ST2TIER_ST2_DIR="$st2_dir" "$out/st2/bin/python" -m pytest \
  tests/st2tier -p no:cacheprovider "${pytest_extra[@]}"
tier_rc=$?
set -e

phase "pack and unit tiers as st2-run-pack-tests runs them (real st2common/st2reactor/st2tests)"
st2_path="$("$out/st2/bin/python" -c 'import sys; print(":".join(p for p in sys.path if p.strip()))')"
pack_path="$here/lib:$here/sensors:$here/actions:$here/actions/lib"
set +e
PYTHONPATH="$st2_path:$pack_path" "$out/pack-tests/bin/python" -m pytest \
  tests/pack tests/unit -p no:cacheprovider -q "${pytest_extra[@]}"
pack_rc=$?
set -e

phase "done: tests/st2tier exit $tier_rc, pack+unit under StackStorm exit $pack_rc"
[ "$tier_rc" = 0 ] && [ "$pack_rc" = 0 ]
