"""Email API: SMTP accounts, message building, templates and batch sending."""
