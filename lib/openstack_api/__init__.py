"""OpenStack API layer: one module per resource family, functions taking ``conn`` first."""
