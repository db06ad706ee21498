"""A throw-away CA and a server certificate for the test services on 127.0.0.1.

Made with ``openssl`` (no keys are kept beyond the service's temp dir): ``ca.crt``
(what a client verifies against), ``<node>.crt`` and ``<node>.key`` with subject
alternative names ``<node>``, ``localhost`` and ``127.0.0.1``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def _openssl(*args: str, cwd: Path) -> None:
    done = subprocess.run(
        ["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )
    if done.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {done.stderr}")


def make_certificates(certs: Path, node: str) -> None:
    """A CA and a node certificate for 127.0.0.1 / localhost / ``node``."""
    certs.mkdir(parents=True, exist_ok=True)
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3",
        "-keyout", "ca.key", "-out", "ca.crt", "-subj", f"/CN={node}-test-ca",
        cwd=certs,
    )  # fmt: skip
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{node}.key",
        "-out", f"{node}.csr", "-subj", f"/CN={node}",
        cwd=certs,
    )  # fmt: skip
    (certs / "ext.cnf").write_text(
        f"subjectAltName=DNS:{node},DNS:localhost,IP:127.0.0.1\n"
        "basicConstraints=CA:FALSE\n"
    )
    _openssl(
        "x509", "-req", "-in", f"{node}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", f"{node}.crt", "-days", "3",
        "-extfile", "ext.cnf",
        cwd=certs,
    )  # fmt: skip
