"""Workflow functions: one module per operator task.

Every python action of the pack names a function here through its immutable ``workflow``
parameter (``"<module>.<function>"``). The functions are plain Python: they validate
their inputs, call the API packages and return JSON-serialisable data.
"""
