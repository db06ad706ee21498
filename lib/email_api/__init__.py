"""Email API: SMTP accounts, message building, templates and batch sending.

- ``account``: ``SMTPAccount`` from the pack config ``smtp_accounts``.
- ``addresses``: parse and validate recipient addresses (errors name the parameter).
- ``templates``: the HTML + plaintext template pairs and their registry.
- ``message``: ``OutgoingMessage`` (plain data, its dry-run plan and its MIME form).
- ``connection``: open a verified, authenticated SMTP connection.
- ``sender``: ``send_batch``, one connection per batch, one outcome per message.

A caller renders with ``get_registry(account.templates_dir).render(...)``, builds
``OutgoingMessage.build(...)`` per recipient, shows ``message.plan()`` in a dry run,
and sends the same messages with ``send_batch(account, messages, on_outcome=...)``.
"""
