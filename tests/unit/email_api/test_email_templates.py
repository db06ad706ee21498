"""Templates: the registry, strict rendering, escaping, CSS inlining, overrides."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from email_api.templates import (
    BUILTIN_DIR,
    TemplateError,
    TemplateRegistry,
    get_registry,
)

SERVER = {"name": "web-1", "id": "5f0c", "project": "physics", "since": "2024-01-02"}

#: Parameters that render every built-in template (the campaign contract).
SAMPLES: dict[str, dict[str, Any]] = {
    "test": {"account_name": "mail", "route": "smtp:25 (none)", "sent_at": "now"},
    "shutoff_vms": {"items": [SERVER], "days_threshold": 90},
    "errored_vms": {"items": [SERVER], "days_threshold": 7},
    "decom_flavors": {
        "items": [{**SERVER, "flavor": "m1.large", "end_of_life": "2030-01-01"}]
    },
    "decom_images": {
        "items": [
            {
                **SERVER,
                "image": "distro-20",
                "end_of_life": "2030-01-01",
                "replacement": "distro-24",
            }
        ]
    },
    "hv_maintenance": {
        "items": [{**SERVER, "hypervisor": "hv-07"}],
        "window_start": "2030-02-01 08:00 UTC",
        "window_end": "2030-02-01 12:00 UTC",
    },
    "hv_fault": {"items": [{**SERVER, "hypervisor": "hv-07"}]},
    "ops_down_disabled_hypervisors": {
        "items": [
            {
                "name": "hv-07",
                "state": "down",
                "status": "disabled",
                "disabled_reason": "disk",
                "servers": 4,
            }
        ]
    },
    "ops_audit_summary": {
        "summary": "1 finding(s) in 1 audit(s)",
        "total": 1,
        "items": [
            {
                "name": "audit.ports.orphaned",
                "audit": "audit.ports.orphaned",
                "count": 1,
                "summary": "1 orphaned port(s)",
                "columns": ["id", "name"],
                "rows": [["p-1", "<lost>"]],
                "lines": ["id=p-1, name=<lost>"],
                "more": 0,
                "error": "",
            }
        ],
    },
    "ops_capacity_report": {
        "summary": "1 host(s), 0 aggregate(s), 1 flavor(s)",
        "report_html": "<h3>hv-07</h3><svg></svg>",
        "report_text": "hv-07 VCPU 4/16",
        "items": [{"name": "hv-07", "enabled": True, "aggregates": [], "fits": {}}],
    },
}


@pytest.fixture(scope="module")
def registry() -> TemplateRegistry:
    return TemplateRegistry()


def test_every_campaign_template_is_shipped_and_loads(
    registry: TemplateRegistry,
) -> None:
    assert registry.names() == sorted(SAMPLES)
    registry.check()
    for name in registry.names():
        assert (BUILTIN_DIR / f"{name}.txt.j2").is_file()
        assert (BUILTIN_DIR / f"{name}.html.j2").is_file()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_template_renders_both_bodies(
    registry: TemplateRegistry, name: str
) -> None:
    rendered = registry.render(name, SAMPLES[name])
    assert rendered.subject and "\n" not in rendered.subject
    assert rendered.html is not None
    assert "<style" not in rendered.html  # CSS is inlined
    assert 'style="' in rendered.html
    assert "Kind regards" in rendered.text and "Kind regards" in rendered.html
    assert "generated automatically" in rendered.text  # shared footer
    assert "generated automatically" in rendered.html
    if name != "test":
        row_name = SAMPLES[name]["items"][0]["name"]
        assert row_name in rendered.text and row_name in rendered.html


def test_subject_counts_and_pluralises(registry: TemplateRegistry) -> None:
    one = registry.render("shutoff_vms", SAMPLES["shutoff_vms"], as_html=False)
    two = registry.render(
        "shutoff_vms", {"items": [SERVER, SERVER], "days_threshold": 90}
    )
    assert one.subject == (
        "Action requested: 1 virtual machine shut off for over 90 days"
    )
    assert two.subject.startswith("Action requested: 2 virtual machines")


def test_plaintext_only_has_no_html(registry: TemplateRegistry) -> None:
    assert registry.render("test", SAMPLES["test"], as_html=False).html is None


def test_html_escapes_resource_names_but_plaintext_keeps_them(
    registry: TemplateRegistry,
) -> None:
    evil = {**SERVER, "name": "<script>alert(1)</script>", "project": "R&D"}
    rendered = registry.render("shutoff_vms", {"items": [evil], "days_threshold": 1})
    assert rendered.html is not None
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
    assert "R&amp;D" in rendered.html
    assert "<script>alert(1)</script>" in rendered.text


def test_missing_required_parameter_names_template_and_parameter(
    registry: TemplateRegistry,
) -> None:
    with pytest.raises(TemplateError) as err:
        registry.render("shutoff_vms", {"items": [SERVER]})
    assert str(err.value) == (
        "template 'shutoff_vms': missing required parameter 'days_threshold'"
    )


def test_unknown_parameter_is_an_error(registry: TemplateRegistry) -> None:
    with pytest.raises(TemplateError, match="unknown parameter 'day_threshold'"):
        registry.render("shutoff_vms", {**SAMPLES["shutoff_vms"], "day_threshold": 1})


def test_strict_undefined_catches_a_missing_row_key(
    registry: TemplateRegistry,
) -> None:
    row = {k: v for k, v in SERVER.items() if k != "since"}
    with pytest.raises(TemplateError) as err:
        registry.render("shutoff_vms", {"items": [row], "days_threshold": 1})
    assert "template 'shutoff_vms'" in str(err.value)
    assert "since" in str(err.value)


def test_defaults_and_common_parameters(registry: TemplateRegistry) -> None:
    plain = registry.render("test", SAMPLES["test"], as_html=False)
    assert plain.text.startswith("Hello,\n")
    assert "The cloud operations team" in plain.text
    named = registry.render(
        "test",
        {**SAMPLES["test"], "recipient_name": "Ann O'Neil", "signature": "Team X"},
    )
    assert named.text.startswith("Dear Ann O'Neil,\n")
    assert named.html is not None and "Dear Ann O'Neil," in named.html
    assert "Team X" in named.text


def test_subject_override_is_literal(registry: TemplateRegistry) -> None:
    rendered = registry.render(
        "test", SAMPLES["test"], subject="  Trial {{ run }}\n mail "
    )
    assert rendered.subject == "Trial {{ run }} mail"


def test_unknown_template(registry: TemplateRegistry) -> None:
    with pytest.raises(TemplateError, match="no email template 'nope'"):
        registry.render("nope", {})


def test_operator_directory_overrides_by_name(tmp_path: Path) -> None:
    (tmp_path / "test.txt.j2").write_text("Site text for {{ account_name }}.\n")
    (tmp_path / "registry.yaml").write_text(
        "templates:\n"
        "  test:\n"
        "    subject: 'Site test via {{ account_name }}'\n"
        "    parameters:\n"
        "      account_name: {required: true}\n"
        "      route: {required: true}\n"
        "      sent_at: {required: true}\n"
        "  site_only:\n"
        "    subject: Local\n"
    )
    (tmp_path / "site_only.txt.j2").write_text("local\n")
    (tmp_path / "site_only.html.j2").write_text("<p>local</p>\n")
    registry = TemplateRegistry(tmp_path)
    rendered = registry.render("test", SAMPLES["test"])
    assert rendered.subject == "Site test via mail"
    assert "Site text for mail." in rendered.text
    assert rendered.html is not None and "test message" in rendered.html  # built-in
    assert "site_only" in registry.names() and "shutoff_vms" in registry.names()
    registry.check()
    # The built-in registry is untouched by the override.
    assert get_registry().render("test", SAMPLES["test"]).subject.startswith("Test")


def test_override_directory_must_exist(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="is not a directory"):
        TemplateRegistry(tmp_path / "missing")


def test_bad_registry_is_reported_with_its_location(tmp_path: Path) -> None:
    (tmp_path / "registry.yaml").write_text(
        "templates:\n  test:\n    subject: x\n    parameters:\n"
        "      a: {required: true, default: 1}\n"
    )
    with pytest.raises(TemplateError, match="'a' must be either required or"):
        TemplateRegistry(tmp_path)
    (tmp_path / "registry.yaml").write_text("templates:\n  test:\n    subjekt: x\n")
    with pytest.raises(TemplateError, match="at templates/test"):
        TemplateRegistry(tmp_path)


def test_missing_or_broken_files_are_found_by_check(tmp_path: Path) -> None:
    (tmp_path / "registry.yaml").write_text("templates:\n  extra:\n    subject: x\n")
    (tmp_path / "extra.txt.j2").write_text("{% if %}\n")
    registry = TemplateRegistry(tmp_path)
    with pytest.raises(
        TemplateError, match=r"template 'extra': .*extra\.txt\.j2 line 1"
    ):
        registry.check()
    (tmp_path / "extra.txt.j2").write_text("fine\n")
    with pytest.raises(TemplateError, match=r"file extra\.html\.j2 not found"):
        registry.check()


def test_templates_run_sandboxed(tmp_path: Path) -> None:
    (tmp_path / "registry.yaml").write_text(
        "templates:\n  probe:\n    subject: x\n    parameters:\n"
        "      thing: {required: true}\n"
    )
    (tmp_path / "probe.txt.j2").write_text("{{ thing.__class__.__mro__ }}\n")
    (tmp_path / "probe.html.j2").write_text("x\n")
    with pytest.raises(TemplateError, match="template 'probe'"):
        TemplateRegistry(tmp_path).render("probe", {"thing": "s"}, as_html=False)
