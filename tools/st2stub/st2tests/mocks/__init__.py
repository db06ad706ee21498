"""In-memory (optionally file-backed) services the stand-in wires into actions/sensors."""
