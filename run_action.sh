#!/usr/bin/env bash
# Run an openstack_ops action locally, like `st2 run` (see README).
#   ./run_action.sh --list
#   ./run_action.sh ACTION [key=value ...] [--config FILE]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tools/venv.sh
source "$here/tools/venv.sh"
ensure_venv "$here" requirements.txt >&2
export OPENSTACK_OPS_CALLER_DIR="$PWD"  # @key=path and --config are relative to it
cd "$here"
exec "$here/.venv/bin/python" -m tools.run_action "$@"
