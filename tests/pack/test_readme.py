"""The README's action table is generated from the action metadata and current."""

from __future__ import annotations

from tools.action_table import BEGIN, END, render_table, replace_table
from tools.pack_meta import PACK_DIR, load_actions


def test_readme_action_table_is_current() -> None:
    readme = (PACK_DIR / "README.md").read_text(encoding="utf-8")
    expected = replace_table(readme, render_table(load_actions()))
    assert (
        readme == expected
    ), "README.md action table is stale: run python -m tools.action_table --write"


def test_table_lists_every_action_once() -> None:
    actions = load_actions()
    table = render_table(actions)
    for meta in actions:
        assert table.count(f"| `{meta.name}` |") == 1
    assert BEGIN and END


def test_replace_table_only_touches_the_marked_block() -> None:
    text = f"intro\n{BEGIN}\nold\n{END}\noutro\n"
    assert replace_table(text, "NEW") == f"intro\n{BEGIN}\nNEW\n{END}\noutro\n"
