"""Put the pack's code on ``sys.path`` the way ``st2-run-pack-tests`` does.

The test-only StackStorm stand-in (``tools/st2stub``) is added only when the real
StackStorm is not importable, so the same tests run under ``st2-run-pack-tests``.
With the real StackStorm, its eventlet monkey patch is applied first, as importing
``st2tests`` does anyway: modules imported before it (``socketserver`` of the tests'
HTTP servers) would otherwise keep blocking selectors that stall every green thread.
"""

import sys
from pathlib import Path

PACK_DIR = Path(__file__).resolve().parent.parent

for _path in (PACK_DIR / "sensors", PACK_DIR / "actions", PACK_DIR / "lib", PACK_DIR):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

try:
    from st2common.util.monkey_patch import monkey_patch
except ImportError:
    sys.path.insert(0, str(PACK_DIR / "tools" / "st2stub"))
else:
    monkey_patch()
