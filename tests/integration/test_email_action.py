"""The ``email.test`` action through the pack's entry point, against real aiosmtpd.

Runs the action the way StackStorm does (``WorkflowActions.run`` with the pack
config), using the StackStorm stand-in when StackStorm is not installed. Needs no
OpenStack and requests no fixture of ``conftest.py``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from smtp_server import SMTPTestServer
from src.workflow_actions import WorkflowActions
from st2tests.base import BaseActionTestCase

from tools.pack_meta import run_inputs

PACK_DIR = Path(__file__).resolve().parents[2]
USER, PASSWORD = "mailer", "action-secret-pw"


def action_defaults() -> dict[str, Any]:
    """The defaults StackStorm fills in from actions/email.test.yaml."""
    meta = yaml.safe_load((PACK_DIR / "actions" / "email.test.yaml").read_text())
    return {
        name: spec["default"]
        for name, spec in run_inputs(meta["runner_type"], meta["parameters"]).items()
        if "default" in spec
    }


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
class EmailTestActionTest(BaseActionTestCase):
    action_cls = WorkflowActions

    def setUp(self) -> None:
        super().setUp()
        self.tmp = Path(self.enterContext(tempfile.TemporaryDirectory()))
        self.server = self.enterContext(
            SMTPTestServer("starttls", cert_dir=self.tmp, users={USER: PASSWORD})
        )
        self.config = {
            "smtp_accounts": [
                self.server.account_config(
                    name="relay", username=USER, password=PASSWORD
                )
            ],
            "default_smtp_account": "relay",
        }

    def run_action(self, **params: Any) -> Any:
        return self.get_action_instance(self.config).run(**(action_defaults() | params))

    def test_dry_run_by_default_sends_nothing(self) -> None:
        result = self.run_action(smtp_account="relay", to=["ops@example.org"])
        self.assertIsInstance(result, dict)
        self.assertFalse(result["send_email"])
        self.assertIn("nothing was sent", result["summary"])
        self.assertIn("relay", result["message"]["text"])
        self.assertEqual(self.server.messages, [])
        self.assertEqual(self.server.connections, 0)

    def test_send_email_delivers_the_test_message(self) -> None:
        result = self.run_action(
            smtp_account="",  # empty: default_smtp_account
            to=["o'brien@example.org"],
            bcc=["audit@example.org"],
            note="<b>relay check</b>",
            send_email=True,
        )
        self.assertIsInstance(result, dict, result)
        self.assertEqual(result["outcome"]["status"], "sent")
        [got] = self.server.messages
        self.assertEqual(got.login, USER)
        self.assertEqual(got.rcpt_tos, ["o'brien@example.org", "audit@example.org"])
        mime = got.message
        self.assertIsNone(mime["Bcc"])
        self.assertEqual(mime["Subject"], result["message"]["subject"])
        self.assertIn(
            "&lt;b&gt;relay check&lt;/b&gt;", mime.get_body(("html",)).get_content()
        )
        self.assertIn("<b>relay check</b>", mime.get_body(("plain",)).get_content())
        self.assertNotIn(PASSWORD, str(result))

    def test_a_refused_send_fails_the_execution(self) -> None:
        self.config["smtp_accounts"][0]["password"] = "wrong"
        outcome = self.run_action(to=["ops@example.org"], send_email=True)
        self.assertIsInstance(outcome, tuple)
        ok, result = outcome
        self.assertFalse(ok)
        self.assertEqual(result["outcome"]["status"], "failed")
        self.assertIn("535", result["summary"])
        self.assertEqual(self.server.messages, [])

    def test_bad_address_fails_naming_the_parameter_before_connecting(self) -> None:
        ok, result = self.run_action(
            to=["ops@example.org"], cc=["not-an-address"], send_email=True
        )
        self.assertFalse(ok)
        self.assertEqual(
            result["error"],
            "parameter 'cc': 'not-an-address' is not a valid email address",
        )
        self.assertEqual(self.server.connections, 0)

    def test_unknown_account_names_the_parameter(self) -> None:
        ok, result = self.run_action(smtp_account="nope", to=["ops@example.org"])
        self.assertFalse(ok)
        self.assertIn("parameter 'smtp_account'", result["error"])
