"""A create whose reply is lost is sent once, and the execution fails cleanly.

keystoneauth's ``connect_retries`` would POST it again (a duplicate when the first
one was carried out: issue 12, two routers); the pack retries idempotent methods
only. ``project.create`` runs against ``FaultyCloud`` (``fault_servers``), whose
``POST /v3/projects`` is closed without an answer or reset. A GET dropped the same
way is still retried (``test_failure_mapping.test_connection_lost_mid_listing``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fault_servers import CLOSE, RESET, RESET_REACHES_CLIENTS, FaultyCloud
from src.workflow_actions import WorkflowActions

pytestmark = pytest.mark.fault(3)

CREATE = "POST /v3/projects"


class ProjectCloud(FaultyCloud):
    """``FaultyCloud`` plus the look-ups project.create makes before creating: the
    Default domain, and no project of the new name."""

    def answer(
        self, method: str, path: str, body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        route = path.split("?", 1)[0].rstrip("/")
        if route == "/v3/domains/default":
            return 200, {"domain": {"id": "default", "name": "Default"}}, {}
        if route == "/v3/projects" and "name=" in path:
            return 200, {"projects": [], "links": {"next": None}}, {}
        return super().answer(method, path, body)


@pytest.fixture
def cloud() -> Iterator[ProjectCloud]:
    server = ProjectCloud()
    yield server
    server.stop()


CLOSED = "Remote end closed connection without response"


@pytest.mark.parametrize(
    ("fault", "cause"),
    [(CLOSE, CLOSED), (RESET, "reset" if RESET_REACHES_CLIENTS else CLOSED)],
)
def test_a_create_whose_reply_is_lost_is_sent_once(
    cloud: ProjectCloud, fault: str, cause: str
) -> None:
    cloud.fail(CREATE, fault)
    config = {
        "clouds": [
            {
                "name": "prod",
                "auth_url": cloud.auth_url,
                "username": "ops",
                "password": "pw-never-in-results",
                "project_name": "demo",
            }
        ]
    }
    action = WorkflowActions(config=config, action_service=None)
    outcome = action.run(
        workflow="project.create",
        cloud_account="prod",
        name="newproj",
        contact_email="ops@example.org",
        apply=True,
    )
    assert isinstance(outcome, tuple), outcome
    ok, result = outcome
    assert ok is False
    assert result["error"].startswith("step 1 (create project newproj) failed")
    assert [step["action"] for step in result["failed"]] == ["create project"]
    assert f"{cloud.auth_url}/projects" in result["failed"][0]["error"]
    assert cause in result["failed"][0]["error"]
    assert result["done"] == [] and result["project_id"] is None
    assert [r for r in cloud.requests if r.startswith("POST /v3/projects")] == [CREATE]
