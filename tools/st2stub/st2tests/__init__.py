"""TEST-ONLY stand-in for StackStorm's ``st2tests`` (see ``tools/st2stub/README.md``)."""
