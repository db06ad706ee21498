"""Put the pack's code on ``sys.path`` the way ``st2-run-pack-tests`` does.

The test-only StackStorm stand-in (``tools/st2stub``) is added only when the real
StackStorm is not importable, so the same tests run under ``st2-run-pack-tests``.
"""

import sys
from pathlib import Path

PACK_DIR = Path(__file__).resolve().parent.parent

for _path in (PACK_DIR / "sensors", PACK_DIR / "actions", PACK_DIR / "lib", PACK_DIR):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

try:
    import st2common  # noqa: F401
except ImportError:
    sys.path.insert(0, str(PACK_DIR / "tools" / "st2stub"))
