# Shared by run_action.sh and run_tests.sh: create or update the pack's .venv.
# ensure_venv PACK_DIR REQUIREMENTS_FILE: reinstalls only when the file changed.
ensure_venv() {
  local pack_dir="$1" requirements="$2"
  local venv="$pack_dir/.venv" python="${PYTHON:-python3.11}"
  command -v "$python" >/dev/null 2>&1 || python=python3
  if [ ! -x "$venv/bin/python" ]; then
    echo "creating $venv with $("$python" --version)"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip
  fi
  local stamp="$venv/.installed-$(basename "$requirements")"
  local digest
  digest="$(cat "$pack_dir/requirements.txt" "$pack_dir/$requirements" | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    echo "installing $requirements into $venv"
    "$venv/bin/pip" install -q -r "$pack_dir/$requirements" 2> >(grep -v "^WARNING: Location" >&2)
    echo "$digest" > "$stamp"
  fi
}
