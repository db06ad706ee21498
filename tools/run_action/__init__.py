"""The local action runner: ``st2 run`` without StackStorm (``./run_action.sh``)."""
