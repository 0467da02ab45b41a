"""``batchtui config``: the effective settings and where each came from.

Keys are never printed: an API key shows as "set" with the variable it came from.
"""

from __future__ import annotations

import argparse
from typing import Any

from batchtui.cli.args import Subparsers, add_format

EXAMPLE = """\
# batchtui config (TOML). Every key is optional; unknown keys are refused.
theme = "nord"                       # a Textual theme (batchtui config --themes)
download_dir = "~/batch-results"     # where d saves output and error files
provider = "azure"                   # openai, azure, groq, together (limits and rules)

[network]                            # seconds (also BATCHTUI_TIMEOUT and friends)
timeout = 60
connect_timeout = 10

[notify]                             # when a batch finishes
desktop = true
command = "notify-send batchtui \\"$BATCHTUI_BATCH_ID $BATCHTUI_BATCH_STATUS\\""

[keys]                               # binding id = keys (batchtui config --bindings)
"browser.down" = "j,down,ctrl+n"

[prices.my-deployment]               # US dollars per million tokens
input = 0.15
output = 0.6

[queue]                              # enqueued-token limit per model
gpt-4o-mini = 2_000_000
"""


def register(subparsers: Subparsers) -> None:
    p = subparsers.add_parser(
        "config",
        help="show the effective settings and where each comes from",
        description=(
            "Print every setting with its value and its source: a flag, an environment "
            "variable (OPENAI_*, BATCHTUI_*), the config file (file:line) or the default. "
            "The config file is $BATCHTUI_CONFIG, else config.toml in the user config "
            "directory. API keys are never printed."
        ),
        epilog="A config file:\n\n" + EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument("--path", action="store_true", help="print the config file's path")
    what.add_argument(
        "--bindings", action="store_true", help="list the binding ids [keys] can rebind"
    )
    what.add_argument("--themes", action="store_true", help="list the themes")
    add_format(p)
    p.set_defaults(handler=_config)


def _config(args: argparse.Namespace) -> int:
    from batchtui.core.config_file import config_path
    from batchtui.core.console import echo, echo_json

    if args.path:
        path = config_path()
        if args.format == "json":
            echo_json({"path": str(path), "exists": path.is_file()})
        else:
            echo(str(path))
        return 0
    if args.bindings or args.themes:
        return _lists(args)
    from batchtui.core.settings import load_settings
    from batchtui.ui import preferences

    settings = load_settings()
    preferences.check(settings)
    rows = effective(settings)
    config_file = settings.config_file
    exists = config_file is not None and config_file.is_file()
    if args.format == "json":
        echo_json(
            {
                "config_file": str(config_file),
                "config_file_exists": exists,
                "settings": {k: {"value": v, "source": s} for k, v, s in rows},
            }
        )
        return 0
    echo(f"config file: {config_file}{'' if exists else ' (none)'}")
    shown = [(key, "—" if value is None else _text(value), source) for key, value, source in rows]
    width = max(len(key) for key, _, _ in shown)
    value_width = min(40, max(len(value) for _, value, _ in shown))
    for key, value, source in shown:
        where = "default" if source == "default" else f"from {source}"
        echo(f"{key:<{width}}  {value:<{value_width}}  {where}")
    return 0


def _lists(args: argparse.Namespace) -> int:
    from batchtui.core.console import echo, echo_json
    from batchtui.ui import preferences

    if args.themes:
        names = preferences.theme_names()
        if args.format == "json":
            echo_json(names)
        else:
            for name in names:
                echo(name)
        return 0
    found = preferences.bindings()
    if args.format == "json":
        echo_json({i: {"keys": k, "description": d} for i, (k, d) in found.items()})
        return 0
    width = max(len(i) for i in found)
    for binding_id, (keys, description) in found.items():
        echo(f"{binding_id:<{width}}  {keys:<22}  {description}")
    return 0


SECRETS = ("api.api_key", "api.admin_key", "api.azure_api_key")


def effective(settings: Any) -> list[tuple[str, Any, str]]:
    """``(key, value, source)`` for every setting (source: a flag, a variable, ``file:line``
    or "default"), secrets as "set" or None; the open tables (keys, prices, queue) one row
    per entry."""
    data = settings.model_dump(mode="json")
    rows: list[tuple[str, Any, str]] = []
    for key, value in _leaves(data):
        source = str(settings.source(key))
        if key in SECRETS:
            value = "set" if value is not None else None
        rows.append((key, value, source))
    return rows


def _leaves(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and (not prefix or prefix in ("api.", "network.", "notify.")):
            if key in ("prices",) and prefix == "":
                out.extend((f"prices.{m}", spec) for m, spec in value.items())
            elif value or key in ("api", "network", "notify"):
                out.extend(_leaves(value, dotted + "."))
            else:
                out.append((dotted, None))  # an empty table: keys, queue
        else:
            out.append((dotted, value))
    return out


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items() if v is not None)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
