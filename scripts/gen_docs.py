"""Generate docs/templates.md (from the catalogue), docs/cli-reference.md (from --help) and
docs/flow.schema.json (the flow file's JSON Schema, from its models).

templates.md also carries the section "When a route is wrong" from when-a-route-is-wrong.md.

.venv/bin/python scripts/gen_docs.py          # rewrite the three files
.venv/bin/python scripts/gen_docs.py --check  # exit 1 if one is out of date (run by tests)
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from clientsuccess_connector.catalog import catalog, settings
from clientsuccess_connector.cli import cli
from clientsuccess_connector.cli.validate import schema_text

DOCS = Path(__file__).resolve().parent.parent / "docs"
ROUTE_SECTION = Path(__file__).resolve().parent / "when-a-route-is-wrong.md"
MARKS = {"documented": "[D]", "community": "[C]", "inferred": "[I]"}


def templates_md() -> str:
    """Every template with its fields, from templates.yaml."""
    s = settings()
    lines = [
        "# Endpoint templates",
        "",
        "Generated from `src/clientsuccess_connector/catalog/templates.yaml` by",
        "`scripts/gen_docs.py`; do not edit by hand. `clientsuccess-connector templates NAME`",
        "shows the same from the command line.",
        "",
        "Paths are relative to the base URL (`.../api/v1` or `.../v2`), except those that begin",
        "with `/v1/`: these legacy v1 routes live at the origin of the base URL, like the login",
        "(`https://api.clientsuccess.com/v1/...`, whichever base URL you use).",
        "",
        "*evidence* says how sure we are of the path: **documented** [D] (vendor docs or a",
        "recorded exchange), **community** [C] (third-party code written against the live API) or",
        "**inferred** [I] (our best guess; the simulator follows it, so only a real instance can",
        "prove it wrong: see [When a route is wrong](#when-a-route-is-wrong)).",
        "",
        f"Search pages hold {s.default_page_size} records by default (at most {s.max_page_size});",
        f"bulk writes send {s.default_batch_size} records per request by default (at most",
        f"{s.max_batch_size}).",
        "",
        "| template | kind | method | path | evidence |",
        "|---|---|---|---|---|",
    ]
    for t in catalog().values():
        lines.append(
            f"| [`{t.name}`](#{t.name}) | {t.kind} | {t.method} | `{t.path}` "
            f"| {t.evidence} {MARKS[t.evidence]} |"
        )
    lines += ["", ROUTE_SECTION.read_text(encoding="utf-8").rstrip("\n")]
    for t in catalog().values():
        lines += ["", f"## {t.name}", "", f"**{t.title}** — {t.description}", ""]
        lines.append(
            f"`{t.method} {t.path}` ({t.kind}, evidence: {t.evidence} {MARKS[t.evidence]})"
        )
        if t.kind == "read":
            lines += ["", f"- pagination: {t.pagination}; data path: `{t.data_path}`",
                      f"- primary key: {', '.join(t.primary_key) or '-'}; incremental field: "
                      f"{t.incremental_field or '-'}"]  # fmt: skip
        if t.batch:
            where = "the body is a JSON array" if t.batch == "$" else f"under `{t.batch}`"
            lines += ["", f"- batch: {where}; per-item results at `{t.results_path}`"]
        if t.upsert_keys:
            lines += [f"- upsert matches on: {', '.join(t.upsert_keys)}"]
        if t.merges:
            lines += ["", "- this PUT changes only the fields given; the others are kept"]
        if t.keyed_body:
            key, value = t.keyed_body
            lines += ["", f'- the body is one pair: `{{"<{key}>": <{value}>}}`']
        if t.params:
            lines += ["", "| field | type | in | required | description |", "|---|---|---|---|---|"]
            for p in t.params:
                desc = p.description.replace("|", "\\|")
                if p.enum:
                    desc += f" One of: {', '.join(p.enum)}."
                req = "yes" if p.required else ""
                lines.append(f"| `{p.name}` | {p.type} | {p.location} | {req} | {desc} |")
    return "\n".join(lines) + "\n"


def cli_md() -> str:
    """The --help text of every command."""
    lines = ["# Command-line reference", ""]
    lines += ["Generated from `--help` by `scripts/gen_docs.py`; do not edit by hand.", ""]
    ctx = click.Context(cli, info_name="clientsuccess-connector", terminal_width=100)
    lines += ["## clientsuccess-connector", "", "```", cli.get_help(ctx), "```"]
    assert isinstance(cli, click.Group)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None, name
        sub = click.Context(command, info_name=name, parent=ctx, terminal_width=100)
        lines += ["", f"## {name}", "", "```", command.get_help(sub), "```"]
        for sub_name in command.list_commands(sub) if isinstance(command, click.Group) else []:
            child = command.get_command(sub, sub_name)
            assert child is not None, sub_name
            leaf = click.Context(child, info_name=sub_name, parent=sub, terminal_width=100)
            lines += ["", f"### {name} {sub_name}", "", "```", child.get_help(leaf), "```"]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Write (or with --check, compare) the generated docs."""
    check = "--check" in sys.argv
    stale = []
    generated = (("templates.md", templates_md()), ("cli-reference.md", cli_md()),
                 ("flow.schema.json", schema_text()))  # fmt: skip
    for name, text in generated:
        path = DOCS / name
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        sys.exit(f"out of date: {', '.join(stale)}; run .venv/bin/python scripts/gen_docs.py")


if __name__ == "__main__":
    main()
