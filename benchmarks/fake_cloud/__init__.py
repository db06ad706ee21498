"""A synthetic OpenStack cloud served over HTTP on 127.0.0.1 for the benchmark."""
