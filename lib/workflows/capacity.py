"""The capacity report: Placement capacity, usage and room per host and aggregate,
and how many more of each flavor fit.

Read once per run: the resource providers (one listing), each provider's
inventories and usages (two calls per provider: Placement has no bulk read of
them),
the hypervisors (to map a provider to its compute host), the compute services
(disabled hosts take no new servers), the host aggregates and the flavors (one
listing each).

Per resource class: ``capacity = int((total - reserved) * allocation_ratio)``
(Placement's formula), ``free = capacity - used``. A host is a root provider
with the providers nested under it (a GPU's VGPU inventory lives on a child of the
compute node): its classes are those of the whole tree. "How many more fit" on a
host is, over the classes the flavor asks for, the least number of allocations
the tree's providers of that class can take, each provider ``free // amount`` (one
class of one server comes from one provider, so two GPUs with one VGPU free each
take two servers of one VGPU, not one of two); a provider takes none when the
amount exceeds its ``max_unit`` (Placement refuses such an allocation whatever is
free), is below ``min_unit`` or is not a multiple of ``step_size``; a disabled
host takes none. An aggregate's figure is the sum over its hosts (a server cannot
span hosts, so summing free capacity first would overstate it).

Outputs: ``to_props`` (the data), ``to_string`` (text tables), ``to_json`` and
``to_html`` (a self-contained page with charts drawn as inline SVG, no
JavaScript, so it renders in mail clients).

Optionally the report is mailed to the operators (pack config ``ops_email``
unless ``to_addresses``) as audit.all mails its report: one message through the
campaign engine (template ``ops_capacity_report``: the charts as inline SVG and
the tables in HTML, the text tables in plaintext), a dry run unless
``send_email``; a report already sent (same recipients and figures) is not sent
twice.
"""

from __future__ import annotations

import hashlib
import html
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from openstack.connection import Connection

from openstack_api import compute_bodies, placement
from openstack_api.compute_services import compute_services
from openstack_query import render
from pack_common import Failure, InputError
from workflows.audit import _mail_skipped, _report_mail

LOG = logging.getLogger(__name__)

OUTPUT_TYPES = ("to_string", "to_html", "to_json", "to_props")
#: The classes every report shows first, in this order (others follow by name).
MAIN_CLASSES = ("VCPU", "MEMORY_MB", "DISK_GB")


@dataclass(frozen=True)
class FlavorNeed:
    """What one server of a flavor asks of Placement, per resource class."""

    name: str
    resources: dict[str, int]


def flavor_need(flavor: dict[str, Any]) -> FlavorNeed:
    """A flavor's Placement request as Nova builds it: VCPU = vcpus, MEMORY_MB =
    ram, DISK_GB = root + ephemeral + swap (MB, rounded up to GB); an extra spec
    ``resources:<CLASS>=<n>`` replaces or adds a class (0 removes it)."""
    disk = (
        int(flavor.get("disk") or 0)
        + int(flavor.get("ephemeral") or flavor.get("OS-FLV-EXT-DATA:ephemeral") or 0)
        + math.ceil(int(flavor.get("swap") or 0) / 1024)
    )
    resources = {
        "VCPU": int(flavor.get("vcpus") or 0),
        "MEMORY_MB": int(flavor.get("ram") or 0),
        "DISK_GB": disk,
    }
    for key, value in (flavor.get("extra_specs") or {}).items():
        if key.startswith("resources:") and ":" not in key[len("resources:") :]:
            try:
                resources[key[len("resources:") :]] = int(value)
            except (TypeError, ValueError):
                continue
    return FlavorNeed(
        str(flavor.get("name") or flavor.get("id")),
        {rc: n for rc, n in resources.items() if n > 0},
    )


def _takes(inv: placement.Inventory, amount: int) -> int:
    """How many allocations of ``amount`` one provider's inventory takes."""
    if amount > inv.max_unit or amount < inv.min_unit:
        return 0
    if inv.step_size > 1 and amount % inv.step_size:
        return 0
    return max(0, inv.free) // amount


def fits(
    need: FlavorNeed,
    inventories: dict[str, placement.Inventory],
    nested: Sequence[dict[str, placement.Inventory]] = (),
) -> int:
    """How many more servers of ``need`` one host takes: its root provider's
    ``inventories`` and those of the providers ``nested`` under it (see the module
    doc)."""
    tree = [inventories, *nested]
    count: int | None = None
    for rc, amount in need.resources.items():
        here = sum(_takes(invs[rc], amount) for invs in tree if rc in invs)
        count = here if count is None else min(count, here)
    return count or 0


@dataclass
class HostCapacity:
    """One compute host's provider, inventories and flavor room."""

    host: str
    provider: str
    provider_uuid: str
    enabled: bool
    aggregates: list[str]
    inventories: dict[str, placement.Inventory]
    fits: dict[str, int] = field(default_factory=dict)
    #: The providers nested under the host's: name -> their inventories.
    nested: dict[str, dict[str, placement.Inventory]] = field(default_factory=dict)

    def providers(self) -> list[tuple[str, dict[str, placement.Inventory]]]:
        """(name, inventories) of the host's provider and of each nested one."""
        return [(self.provider, self.inventories), *self.nested.items()]

    def resources(self) -> dict[str, dict[str, Any]]:
        """Per resource class of the whole tree: the inventory of the provider
        holding it (``provider`` named when nested), or, when several hold it,
        their sums with the ``providers`` listed."""
        holders: dict[str, list[tuple[str, placement.Inventory]]] = {}
        for name, inventories in self.providers():
            for rc, inv in inventories.items():
                holders.setdefault(rc, []).append((name, inv))
        merged: dict[str, dict[str, Any]] = {}
        for rc, held in holders.items():
            if len(held) == 1:
                name, inv = held[0]
                row = inv.as_dict()
                if name != self.provider:
                    row["provider"] = name
            else:
                row = {
                    key: sum(_figures(inv)[key] for _, inv in held) for key in _SUMMED
                }
                row["providers"] = [name for name, _ in held]
            merged[rc] = row
        return _ordered(merged)

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "host": self.host,
            "provider": self.provider,
            "provider_uuid": self.provider_uuid,
            "enabled": self.enabled,
            "aggregates": self.aggregates,
            "resources": self.resources(),
            "nested_providers": {
                name: {rc: inv.as_dict() for rc, inv in _ordered(invs).items()}
                for name, invs in sorted(self.nested.items())
            },
            "fits": self.fits,
        }


#: The figures that add up across providers (capacities, not ratios or units).
_SUMMED = ("total", "reserved", "capacity", "used", "free")


def _figures(inv: placement.Inventory) -> dict[str, int]:
    return {
        "total": inv.total,
        "reserved": inv.reserved,
        "capacity": inv.capacity,
        "used": inv.used,
        "free": inv.free,
    }


def _ordered(inventories: dict[str, Any]) -> dict[str, Any]:
    keys = [rc for rc in MAIN_CLASSES if rc in inventories]
    keys += sorted(rc for rc in inventories if rc not in MAIN_CLASSES)
    return {rc: inventories[rc] for rc in keys}


def _sum(hosts: Sequence[HostCapacity]) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = {}
    for host in hosts:
        for _name, inventories in host.providers():
            for rc, inv in inventories.items():
                row = totals.setdefault(rc, dict.fromkeys(_SUMMED, 0))
                for key, value in _figures(inv).items():
                    row[key] += value
    return _ordered(totals)


def _group(
    name: str, hosts: Sequence[HostCapacity], flavors: list[str]
) -> dict[str, Any]:
    return {
        "name": name,
        "hosts": [h.host for h in hosts],
        "resources": _sum(hosts),
        "fits": {f: sum(h.fits.get(f, 0) for h in hosts) for f in flavors},
    }


def _check(output_type: Any, flavors: Any) -> tuple[str, list[str] | None]:
    if output_type not in OUTPUT_TYPES:
        raise InputError(
            "output_type", f"{output_type!r} is not one of {', '.join(OUTPUT_TYPES)}"
        )
    if flavors is None or flavors == []:
        return str(output_type), None
    if isinstance(flavors, str):
        flavors = [flavors]
    if not isinstance(flavors, list | tuple):
        raise InputError("flavors", "must be a list of flavor names or ids")
    return str(output_type), [str(f).strip() for f in flavors if str(f).strip()]


def gather(conn: Any, flavor_names: list[str] | None) -> dict[str, Any]:
    """Read the cloud and compute the report's data (see the module doc)."""
    flavors = compute_bodies.flavors(conn)
    if flavor_names is not None:
        known = {f.get("name"): f for f in flavors} | {f.get("id"): f for f in flavors}
        missing = [n for n in flavor_names if n not in known]
        if missing:
            raise InputError("flavors", f"no flavor {', '.join(map(repr, missing))}")
        flavors = [known[n] for n in dict.fromkeys(flavor_names)]
    needs = [flavor_need(f) for f in flavors]
    names = [n.name for n in needs]
    hypervisors = compute_bodies.hypervisors(conn)
    host_of = {
        str(h.get("hypervisor_hostname")): str(
            (h.get("service") or {}).get("host") or ""
        )
        for h in hypervisors
    }
    services = compute_services(conn)
    aggregates = compute_bodies.aggregates(conn)
    hosts: list[HostCapacity] = []
    providers = placement.providers(conn)
    nested_under: dict[str, list[placement.Provider]] = {}
    for provider in providers:
        if provider.root_uuid not in (None, provider.uuid):
            nested_under.setdefault(str(provider.root_uuid), []).append(provider)
    for provider in providers:
        if provider.root_uuid not in (None, provider.uuid):
            continue  # nested providers (e.g. GPUs) belong to their root's host
        host = host_of.get(provider.name) or provider.name
        capacity = placement.provider_capacity(conn, provider)
        service = services.get(host)
        item = HostCapacity(
            host=host,
            provider=provider.name,
            provider_uuid=provider.uuid,
            enabled=bool(service and service.enabled and service.up),
            aggregates=sorted(
                str(a.get("name")) for a in aggregates if host in (a.get("hosts") or [])
            ),
            inventories=capacity.inventories,
            nested={
                child.name
                or child.uuid: placement.provider_capacity(conn, child).inventories
                for child in nested_under.get(provider.uuid, [])
            },
        )
        item.fits = {
            n.name: (
                fits(n, item.inventories, list(item.nested.values()))
                if item.enabled
                else 0
            )
            for n in needs
        }
        hosts.append(item)
    hosts.sort(key=lambda h: h.host)
    groups = [
        _group(
            str(a.get("name")),
            [h for h in hosts if h.host in (a.get("hosts") or [])],
            names,
        )
        for a in sorted(aggregates, key=lambda a: str(a.get("name")))
    ]
    return {
        "hosts": [h.as_dict() for h in hosts],
        "aggregates": groups,
        "cloud": _group("all hosts", hosts, names),
        "flavors": [{"name": n.name, "resources": n.resources} for n in needs],
        "disabled_hosts": [h.host for h in hosts if not h.enabled],
    }


def report(
    conn: Connection,
    store: Any = None,
    pack_config: dict[str, Any] | None = None,
    smtp_account: Any = None,
    flavors: list[str] | None = None,
    output_type: str = "to_string",
    send_email: bool = False,
    to_addresses: list[str] | None = None,
    as_html: bool = True,
    campaign_id: str | None = None,
) -> dict[str, Any] | Failure:
    """Placement capacity, used and free per resource class (with allocation ratio
    and reserved) per host, per aggregate and for the cloud, and how many more of
    each flavor (``flavors``, default every flavor) fit, honouring max_unit and
    counting only enabled, up hosts. Optionally one mail of the HTML report to
    the operators (pack config ``ops_email`` unless ``to_addresses``) through the
    campaign engine, as audit.all does: a dry run (``send_email: false``, the
    default) returns the rendered mail's plan. The execution fails when the mail
    failed."""
    output, wanted = _check(output_type, flavors)
    mail, no_mail_account = _report_mail(
        pack_config, smtp_account, to_addresses, as_html, send_email, campaign_id
    )
    data = gather(conn, wanted)
    hosts = data["hosts"]
    data["summary"] = (
        f"{len(hosts)} host(s), {len(data['aggregates'])} aggregate(s), "
        f"{len(data['flavors'])} flavor(s); {len(data['disabled_hosts'])} host(s) "
        "disabled or down take no new servers"
    )
    LOG.info("capacity.report: %s", data["summary"])
    result: dict[str, Any] = dict(data)
    if output == "to_string":
        result["output"] = to_text(data)
    elif output == "to_html":
        result["output"] = to_html(data)
    elif output == "to_json":
        result["output"] = render.to_json(data)
    if no_mail_account:
        result["mail"] = _mail_skipped()
    elif mail is not None:
        outcome = _mail(mail, data, smtp_account, store)
        if isinstance(outcome, Failure):
            result["mail"] = outcome.result
            result["error"] = f"the report mail failed: {outcome.result.get('summary')}"
            return Failure(result)
        result["mail"] = outcome
    return result


# --------------------------------------------------------------------- mail
CAPACITY_TEMPLATE = "ops_capacity_report"


def _mail(
    mail: Any, data: dict[str, Any], smtp_account: Any, store: Any
) -> dict[str, Any] | Failure:
    """Plan (or send) the one report mail through the campaign engine: one row
    per host, the charts and tables as HTML, the text tables as plaintext."""
    from markupsafe import Markup

    from campaigns.engine import run_campaign
    from campaigns.model import CampaignSpec, Target

    figures = {
        "hosts": [
            [h["host"], h["enabled"], h["resources"], h["fits"]] for h in data["hosts"]
        ],
        "cloud": data["cloud"]["resources"],
    }
    digest = hashlib.sha256(render.to_json(figures).encode()).hexdigest()[:16]
    spec = CampaignSpec(
        name="capacity.report",
        template=CAPACITY_TEMPLATE,
        parameters={
            "summary": data["summary"],
            # built by this module, every text escaped (see _bar_chart)
            "report_html": Markup(_html_body(data)),
            "report_text": to_text(data),
        },
        inputs={"to_addresses": list(mail.to), "figures": digest},
        to=mail.to,
        to_parameter="to_addresses",
    )
    targets = [
        Target(
            row={
                "name": h["host"],
                "enabled": h["enabled"],
                "aggregates": h["aggregates"],
                "fits": h["fits"],
            }
        )
        for h in data["hosts"]
    ]
    return run_campaign(spec, targets, mail.options, smtp_account, store)


# ----------------------------------------------------------------- rendering
def _resource_rows(name: str, resources: dict[str, Any]) -> list[list[Any]]:
    return [
        [
            name,
            rc,
            r.get("total"),
            r.get("reserved"),
            r.get("allocation_ratio", ""),
            r.get("capacity"),
            r.get("used"),
            r.get("free"),
            r.get("max_unit", ""),
        ]
        for rc, r in resources.items()
    ]


_RESOURCE_COLUMNS = [
    "where", "class", "total", "reserved", "ratio", "capacity", "used", "free", "max_unit"
]  # fmt: skip


def to_text(data: dict[str, Any]) -> str:
    """Text tables: resources per host, per aggregate and for the cloud, then the
    flavor room."""
    rows: list[list[Any]] = []
    for host in data["hosts"]:
        label = host["host"] + ("" if host["enabled"] else " (disabled)")
        rows += _resource_rows(label, host["resources"])
    for group in [*data["aggregates"], data["cloud"]]:
        rows += _resource_rows(f"[{group['name']}]", group["resources"])
    flavors = [f["name"] for f in data["flavors"]]
    fit_rows = [
        [h["host"], *[h["fits"].get(f, 0) for f in flavors]] for h in data["hosts"]
    ]
    fit_rows += [
        [f"[{g['name']}]", *[g["fits"].get(f, 0) for f in flavors]]
        for g in [*data["aggregates"], data["cloud"]]
    ]
    return (
        render.to_string(_RESOURCE_COLUMNS, {None: rows}, title="Placement capacity")
        + "\n"
        + render.to_string(
            ["where", *flavors], {None: fit_rows}, title="How many more fit"
        )
    )


_BAR_WIDTH = 360
_ROW = 22
#: Width of one character of the 12px labels (Arial capitals, as in resource
#: classes, rounded up), to size the label column so that a long resource class
#: or flavor name never runs into its bar.
_CHAR_WIDTH = 9
#: Block-level (one chart under the other), shrunk to fit a narrow window or
#: mail column.
_SVG_STYLE = "display: block; margin: 4px 0 16px 0; max-width: 100%; height: auto;"


def _svg_open(title: str, width: int, height: int) -> list[str]:
    """The start of a chart: a block-level inline SVG, titled for screen readers
    and mail clients that show no graphics."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{html.escape(title)}" style="{_SVG_STYLE}">',
        f"<title>{html.escape(title)}</title>",
        f'<text x="0" y="14" font-family="Arial" font-size="13" '
        f'font-weight="bold">{html.escape(title)}</text>',
    ]


def _label_width(labels: Sequence[str]) -> int:
    return 12 + _CHAR_WIDTH * max([8, *(len(label) for label in labels)])


def _bar_chart(title: str, resources: dict[str, Any]) -> str:
    """An inline SVG of used vs capacity per resource class (one bar each)."""
    items = [(rc, r) for rc, r in resources.items() if r.get("capacity")]
    left = _label_width([rc for rc, _ in items])
    width = max(left + _BAR_WIDTH + 230, 8 * len(title) + 10)
    parts = _svg_open(title, width, 28 + _ROW * len(items))
    for index, (rc, r) in enumerate(items):
        y = 22 + index * _ROW
        capacity = max(1, int(r["capacity"]))
        share = min(1.0, max(0.0, int(r["used"]) / capacity))
        colour = "#c0392b" if share >= 0.9 else "#e67e22" if share >= 0.7 else "#2e86c1"
        parts += [
            f'<text x="0" y="{y + 13}" font-family="Arial" font-size="12">'
            f"{html.escape(rc)}</text>",
            f'<rect x="{left}" y="{y}" width="{_BAR_WIDTH}" height="16" '
            'fill="#e4e7eb"/>',
            f'<rect x="{left}" y="{y}" width="{round(_BAR_WIDTH * share)}" '
            f'height="16" fill="{colour}"/>',
            f'<text x="{left + _BAR_WIDTH + 6}" y="{y + 13}" font-family="Arial" '
            f'font-size="12">{int(r["used"])} / {int(r["capacity"])} used '
            f"({round(share * 100)}%)</text>",
        ]
    parts.append("</svg>")
    return "".join(parts)


def _fits_chart(title: str, fits: dict[str, int]) -> str:
    """An inline SVG of how many more of each flavor fit (bars scaled to the
    largest)."""
    items = list(fits.items())
    largest = max([1, *fits.values()])
    left = _label_width([flavor for flavor, _ in items])
    width = max(left + _BAR_WIDTH + 90, 8 * len(title) + 10)
    parts = _svg_open(title, width, 28 + _ROW * len(items))
    for index, (flavor, count) in enumerate(items):
        y = 22 + index * _ROW
        bar = round(_BAR_WIDTH * count / largest)
        parts += [
            f'<text x="0" y="{y + 13}" font-family="Arial" font-size="12">'
            f"{html.escape(flavor)}</text>",
            f'<rect x="{left}" y="{y}" width="{bar}" height="16" fill="#27ae60"/>',
            f'<text x="{left + bar + 6}" y="{y + 13}" font-family="Arial" '
            f'font-size="12">{count}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


def _table(title: str, columns: Sequence[str], rows: list[list[Any]]) -> str:
    """An HTML table styled inline (no obsolete attributes), every cell escaped."""
    cell = "border: 1px solid #cbd2d9; padding: 4px 8px; text-align: left;"
    head = "".join(f'<th style="{cell}">{html.escape(c)}</th>' for c in columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td style="{cell}">{html.escape(render.cell_text(v))}</td>' for v in row
        )
        + "</tr>"
        for row in rows
    )
    return (
        f"<h2>{html.escape(title)}</h2>"
        '<table style="border-collapse: collapse;">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _html_body(data: dict[str, Any]) -> str:
    """The report's body: a chart per aggregate/cloud and per host, the flavor
    room, and the full tables (every text escaped, no scripts)."""
    flavors = [f["name"] for f in data["flavors"]]
    body = [f"<p>{html.escape(data['summary'])}</p>"]
    for group in [data["cloud"], *data["aggregates"]]:
        body.append(f"<h2>{html.escape(group['name'])}</h2>")
        body.append(f"<p>Hosts: {html.escape(', '.join(group['hosts']) or 'none')}</p>")
        body.append(
            _bar_chart(f"{group['name']}: used of capacity", group["resources"])
        )
        body.append(_fits_chart(f"{group['name']}: how many more fit", group["fits"]))
    body.append("<h2>Hosts</h2>")
    for host in data["hosts"]:
        state = "" if host["enabled"] else " (disabled or down: takes no new servers)"
        body.append(f"<h3>{html.escape(host['host'] + state)}</h3>")
        body.append(_bar_chart(f"{host['host']}: used of capacity", host["resources"]))
    rows: list[list[Any]] = []
    for host in data["hosts"]:
        rows += _resource_rows(host["host"], host["resources"])
    for group in [*data["aggregates"], data["cloud"]]:
        rows += _resource_rows(f"[{group['name']}]", group["resources"])
    body.append(_table("Placement capacity", _RESOURCE_COLUMNS, rows))
    fit_rows = [
        [h["host"], *[h["fits"].get(f, 0) for f in flavors]] for h in data["hosts"]
    ]
    body.append(_table("How many more fit", ["host", *flavors], fit_rows))
    return "\n".join(body)


def to_html(data: dict[str, Any]) -> str:
    """A self-contained HTML page: the report's body (charts and tables) under
    its title."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>Capacity report</title>\n</head>\n"
        '<body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px;">\n'
        "<h1>Capacity report</h1>\n" + _html_body(data) + "\n</body>\n</html>\n"
    )
