#!/usr/bin/env bash
# Build the real-StackStorm tier's environments from a StackStorm source checkout.
#
#   tools/st2tier/build.sh ST2_DIR ORQUESTA_DIR OUT_DIR
#
# Lays things out as a StackStorm host does, under OUT_DIR:
#   st2/                  StackStorm's own virtualenv ("/opt/stackstorm/st2"): st2common,
#                         st2reactor, st2actions, st2api, st2tests, st2client, the python runner
#                         from ST2_DIR, with ST2_DIR/fixed-requirements.txt as constraints,
#                         orquesta from ORQUESTA_DIR, and mongomock (the in-memory MongoDB).
#   virtualenvs/openstack_ops/
#                         the pack's virtualenv, made the way `st2 pack install` makes it:
#                         requirements.txt only, nothing of StackStorm.
#   pack-tests/           the virtualenv `st2-run-pack-tests` makes: the pack's
#                         requirements-tests.txt, StackStorm's site-packages after it.
#   packs/openstack_ops   a link to this checkout.
# Rebuilds only what changed (stamps hold a digest of the inputs).
set -euo pipefail
st2_dir="$(cd "$1" && pwd)"
orquesta_dir="$(cd "$2" && pwd)"
mkdir -p "$3"
out="$(cd "$3" && pwd)"
pack_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null 2>&1 || python=python3
mkdir -p "$out/packs" "$out/virtualenvs" "$out/configs"
ln -sfn "$pack_dir" "$out/packs/openstack_ops"

pip_quiet() {
  # pip's per-package "Location ignored", resolver notices and setuptools' deprecation
  # warnings while building StackStorm's old setup.py files are noise here.
  PYTHONWARNINGS=ignore "$@" 2> >(grep -vE "^WARNING: Location|^\[notice\]" >&2)
}

stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

# --- StackStorm's own virtualenv -------------------------------------------------
components=(st2common st2reactor st2actions st2api st2tests st2client contrib/runners/python_runner)
st2_digest="$(
  {
    echo "$st2_dir $orquesta_dir $("$python" --version)"
    cat "$st2_dir/fixed-requirements.txt" "$orquesta_dir/requirements.txt"
    for c in "${components[@]}"; do cat "$st2_dir/$c/requirements.txt"; done
    for c in "${components[@]}"; do
      find "$st2_dir/$c" -name '*.py' -printf '%P %s %T@\n' | sort
    done
  } | sha256sum | cut -d' ' -f1
)"
if ! stamp_ok "$out/st2/.stamp" "$st2_digest"; then
  echo "building StackStorm's virtualenv from $st2_dir (orquesta from $orquesta_dir)"
  rm -rf "$out/st2"
  "$python" -m venv "$out/st2"
  pip_quiet "$out/st2/bin/pip" install -q --upgrade pip "setuptools<78" wheel
  # Every component's requirements except those fetched from git (orquesta comes from
  # ORQUESTA_DIR; st2-rbac-backend is not needed without RBAC).
  reqs="$out/st2-requirements.txt"
  for c in "${components[@]}"; do
    grep -vE '^\s*(#|$)|git\+' "$st2_dir/$c/requirements.txt" || true
  done | sort -u > "$reqs"
  grep -vE '^\s*(#|$)' "$orquesta_dir/requirements.txt" | sed 's/ *#.*//' >> "$reqs"
  echo "mongomock>=4.1" >> "$reqs"
  # fixed-requirements.txt pins versions; pip refuses a constraint without a version.
  grep -E '^[A-Za-z0-9_.-]+(\[.*\])? *(==|<|>|!=|~=)' "$st2_dir/fixed-requirements.txt" \
    > "$out/st2-constraints.txt"
  pip_quiet "$out/st2/bin/pip" install -q -r "$reqs" -c "$out/st2-constraints.txt"
  pip_quiet "$out/st2/bin/pip" install -q --no-deps --no-build-isolation "$orquesta_dir"
  for c in "${components[@]}"; do
    (cd "$st2_dir/$c" && pip_quiet "$out/st2/bin/pip" install -q --no-deps --no-build-isolation .)
  done
  echo "$st2_digest" > "$out/st2/.stamp"
fi

# --- the pack's virtualenv (what `st2 pack install` makes) -------------------------
pack_digest="$(cat "$pack_dir/requirements.txt" <("$python" --version) | sha256sum | cut -d' ' -f1)"
venv="$out/virtualenvs/openstack_ops"
if ! stamp_ok "$venv/.stamp" "$pack_digest"; then
  echo "building the pack virtualenv $venv from requirements.txt"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  pip_quiet "$venv/bin/pip" install -q --upgrade pip
  pip_quiet "$venv/bin/pip" install -q -r "$pack_dir/requirements.txt"
  echo "$pack_digest" > "$venv/.stamp"
fi

# --- the virtualenv st2-run-pack-tests makes ---------------------------------------
tests_digest="$(cat "$pack_dir/requirements.txt" "$pack_dir/requirements-test.txt" \
  "$pack_dir/requirements-tests.txt" <(echo "$st2_digest") | sha256sum | cut -d' ' -f1)"
tvenv="$out/pack-tests"
if ! stamp_ok "$tvenv/.stamp" "$tests_digest"; then
  echo "building the pack-tests virtualenv $tvenv from requirements-tests.txt"
  rm -rf "$tvenv"
  "$python" -m venv --system-site-packages "$tvenv"
  pip_quiet "$tvenv/bin/pip" install -q --upgrade pip
  pip_quiet "$tvenv/bin/pip" install -q -r "$pack_dir/requirements-tests.txt"
  # As st2-run-pack-tests does: StackStorm's site-packages after the pack's own.
  st2_site="$("$out/st2/bin/python" -c 'import sysconfig; print(sysconfig.get_path("platlib"))')"
  tests_site="$("$tvenv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("platlib"))')"
  echo "import sys; addsitedir('$st2_site', known_paths)" > "$tests_site/zzzzzzzzzz__st2__.pth"
  echo "$tests_digest" > "$tvenv/.stamp"
fi
echo "StackStorm tier environments ready under $out"
