"""capacity.report's arithmetic and rendering (``workflows.capacity``)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from openstack_api.placement import Inventory
from pack_common import InputError
from workflows import capacity


def inv(
    rc: str,
    total: int,
    used: int = 0,
    reserved: int = 0,
    ratio: float = 1.0,
    max_unit: int | None = None,
    min_unit: int = 1,
    step: int = 1,
) -> Inventory:
    return Inventory(
        rc, total, reserved, ratio, min_unit, max_unit or total, step, used
    )


def test_capacity_is_placements_formula() -> None:
    vcpu = inv("VCPU", 10, used=30, reserved=2, ratio=4.0)
    assert (vcpu.capacity, vcpu.free) == (32, 2)


def test_flavor_need_counts_ephemeral_swap_and_resource_overrides() -> None:
    need = capacity.flavor_need(
        {"name": "f", "vcpus": 2, "ram": 4096, "disk": 10, "ephemeral": 5,
         "swap": 1500, "extra_specs": {"resources:VGPU": "1", "resources:VCPU": "0",
                                       "hw:cpu_policy": "dedicated"}}
    )  # fmt: skip
    assert need.resources == {"MEMORY_MB": 4096, "DISK_GB": 17, "VGPU": 1}


@pytest.mark.parametrize(
    ("inventories", "expected"),
    [
        ({"VCPU": inv("VCPU", 8), "MEMORY_MB": inv("MEMORY_MB", 10000)}, 4),
        ({"VCPU": inv("VCPU", 8, used=7), "MEMORY_MB": inv("MEMORY_MB", 10000)}, 0),
        (
            {
                "VCPU": inv("VCPU", 100, max_unit=1),
                "MEMORY_MB": inv("MEMORY_MB", 10**6),
            },
            0,
        ),
        ({"VCPU": inv("VCPU", 8), "MEMORY_MB": inv("MEMORY_MB", 10000, step=3)}, 0),
        ({"VCPU": inv("VCPU", 8, min_unit=4), "MEMORY_MB": inv("MEMORY_MB", 10**6)}, 0),
        ({"VCPU": inv("VCPU", 8)}, 0),  # no memory inventory at all
        ({"VCPU": inv("VCPU", 4, used=10), "MEMORY_MB": inv("MEMORY_MB", 10**6)}, 0),
    ],
)
def test_fits_honours_free_max_unit_min_unit_and_step(
    inventories: dict[str, Inventory], expected: int
) -> None:
    need = capacity.FlavorNeed("f", {"VCPU": 2, "MEMORY_MB": 2048})
    assert capacity.fits(need, inventories) == expected


def test_nested_providers_count_per_provider() -> None:
    """A VGPU comes from one GPU: two GPUs with one VGPU free each take two
    servers of one VGPU, none of two VGPUs; the root's classes still bound it."""
    root = {"VCPU": inv("VCPU", 16), "MEMORY_MB": inv("MEMORY_MB", 10**6)}
    gpus = [{"VGPU": inv("VGPU", 4, used=3)}, {"VGPU": inv("VGPU", 4, used=3)}]
    one = capacity.FlavorNeed("g1", {"VCPU": 2, "MEMORY_MB": 1024, "VGPU": 1})
    two = capacity.FlavorNeed("g2", {"VCPU": 2, "MEMORY_MB": 1024, "VGPU": 2})
    assert capacity.fits(one, root, gpus) == 2
    assert capacity.fits(two, root, gpus) == 0
    assert capacity.fits(one, root) == 0  # without the nested GPUs: no VGPU
    roomy = [{"VGPU": inv("VGPU", 64)}]
    assert capacity.fits(one, root, roomy) == 8  # VCPU 16 // 2 bounds it


def test_a_hosts_resources_include_its_nested_providers() -> None:
    host = capacity.HostCapacity(
        "hv1",
        "hv1",
        "u1",
        True,
        [],
        {"VCPU": inv("VCPU", 8, used=2)},
        nested={
            "hv1_pci_0000_81_00_0": {"VGPU": inv("VGPU", 4, used=1)},
            "hv1_pci_0000_82_00_0": {"VGPU": inv("VGPU", 4, used=3)},
            "hv1_nic": {
                "NET_BW_EGR_KILOBIT_PER_SEC": inv("NET_BW_EGR_KILOBIT_PER_SEC", 10)
            },
        },
    )
    data = host.as_dict()
    resources = data["resources"]
    assert list(resources) == ["VCPU", "NET_BW_EGR_KILOBIT_PER_SEC", "VGPU"]
    assert resources["VCPU"]["free"] == 6 and "provider" not in resources["VCPU"]
    assert resources["NET_BW_EGR_KILOBIT_PER_SEC"]["provider"] == "hv1_nic"
    assert resources["VGPU"] == {
        "total": 8,
        "reserved": 0,
        "capacity": 8,
        "used": 4,
        "free": 4,
        "providers": ["hv1_pci_0000_81_00_0", "hv1_pci_0000_82_00_0"],
    }
    assert (
        data["nested_providers"]["hv1_nic"]["NET_BW_EGR_KILOBIT_PER_SEC"]["total"] == 10
    )
    group = capacity._group("all", [host], [])
    assert group["resources"]["VGPU"]["free"] == 4
    report = {
        "hosts": [data],
        "aggregates": [],
        "cloud": group,
        "flavors": [],
        "disabled_hosts": [],
        "summary": "1 host",
    }
    vgpu_rows = [
        line for line in capacity.to_text(report).splitlines() if "VGPU" in line
    ]
    assert len(vgpu_rows) == 2 and all(" 4 " in row for row in vgpu_rows)
    assert "VGPU" in capacity.to_html(report)


def _data() -> dict:
    host = capacity.HostCapacity(
        "hv<1>", "hv<1>", "u1", True, ["agg"], {"VCPU": inv("VCPU", 8, used=6)},
        {"<f>": 1},
    )  # fmt: skip
    return {
        "summary": "1 host",
        "hosts": [host.as_dict()],
        "aggregates": [capacity._group("agg", [host], ["<f>"])],
        "cloud": capacity._group("all hosts", [host], ["<f>"]),
        "flavors": [{"name": "<f>", "resources": {"VCPU": 2}}],
        "disabled_hosts": [],
    }


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)


def test_html_has_an_svg_chart_per_group_and_host_and_escapes_names() -> None:
    page = capacity.to_html(_data())
    tags = Tags()
    tags.feed(page)
    assert tags.tags.count("svg") == 1 + 2 + 2  # host; cloud and aggregate x2
    assert "script" not in tags.tags
    assert "hv<1>" not in page and "hv&lt;1&gt;" in page
    assert "6 / 8 used (75%)" in page


def test_text_report_lists_room_per_host_and_group() -> None:
    text = capacity.to_text(_data())
    assert "How many more fit" in text and "[agg]" in text


def test_bad_output_type_and_flavors_name_the_parameter() -> None:
    with pytest.raises(InputError) as error:
        capacity.report(None, output_type="to_pdf")  # type: ignore[arg-type]
    assert error.value.parameter == "output_type"
    with pytest.raises(InputError) as error:
        capacity.report(None, flavors={"m1.tiny": 1})  # type: ignore[arg-type]
    assert error.value.parameter == "flavors"
