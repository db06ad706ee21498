"""JupyterHub REST API client and the environments it talks to."""
