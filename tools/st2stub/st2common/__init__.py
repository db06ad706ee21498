"""TEST-ONLY stand-in for StackStorm's ``st2common`` (see ``tools/st2stub/README.md``).

Only on ``sys.path`` when the real StackStorm is not installed.
"""
