"""Open an authenticated SMTP connection for an ``SMTPAccount``.

Security is never downgraded: a ``starttls`` account whose server does not offer
STARTTLS is an error, not a plaintext session. Certificates and host names are
verified unless the account says ``verify: false``; ``cacert`` replaces the system
trust store. The account logs in whenever it has a username. Nothing here logs or
reports the password, and the smtplib debug output (which would show the AUTH
exchange) stays off.
"""

from __future__ import annotations

import logging
import smtplib
import ssl

from email_api.account import Security, SMTPAccount

log = logging.getLogger(__name__)


class SMTPSetupError(smtplib.SMTPException):
    """The server cannot give the connection the account asks for."""


def tls_context(account: SMTPAccount) -> ssl.SSLContext:
    """The client TLS context: verifying against ``cacert`` (or the system store)
    with host name checking, unless the account turns verification off."""
    context = ssl.create_default_context(cafile=account.cacert or None)
    if not account.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def open_connection(account: SMTPAccount) -> smtplib.SMTP:
    """Connect, secure (per ``account.security``) and log in; return the live
    connection. Raises ``OSError`` (including ``ssl.SSLError``) or
    ``smtplib.SMTPException`` on failure, with the connection closed."""
    log.info(
        "smtp: connecting to %s as %s",
        account.route,
        account.username or "(no login)",
    )
    conn: smtplib.SMTP
    if account.security is Security.SSL:
        conn = smtplib.SMTP_SSL(
            account.host,
            account.port,
            timeout=account.timeout,
            context=tls_context(account),
        )
    else:
        conn = smtplib.SMTP(account.host, account.port, timeout=account.timeout)
    try:
        conn.ehlo()
        if account.security is Security.STARTTLS:
            if not conn.has_extn("starttls"):
                raise SMTPSetupError(
                    f"{account.route}: the server does not offer STARTTLS"
                )
            conn.starttls(context=tls_context(account))
            conn.ehlo()
        if account.username:
            if account.security is Security.NONE:
                log.warning(
                    "smtp: logging in to %s without TLS (security: none)",
                    account.route,
                )
            conn.login(account.username, account.password or "")
    except BaseException:
        conn.close()
        raise
    return conn
