"""TEST-ONLY stand-in for StackStorm's ``st2reactor`` (see ``tools/st2stub/README.md``)."""
