"""Click commands, one module per area; every module here with a ``COMMANDS`` list is registered.

`COMMAND_MODULES` names the module of each top-level command, so that ``remo CMD`` imports CMD's module only
(click's lazy group: `web.cli.RemoGroup`); `all_commands` imports them all (the app's ``flask`` command line).
A new command goes into its module's ``COMMANDS`` and into `COMMAND_MODULES` (a test checks that they agree).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from typing import TYPE_CHECKING, TypeVar

import click

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["COMMAND_MODULES", "all_commands", "load_command", "needs_pages", "register_commands", "store_app"]

#: top-level command -> the module of this package whose ``COMMANDS`` list holds it
COMMAND_MODULES = {
    "audit": "privacy",
    "backup": "backup",
    "brochure": "privacy",
    "demo": "data",
    "demo-accounts": "data",
    "export": "data",
    "funding": "projects",
    "generate": "data",
    "import": "data",
    "init": "data",
    "mail": "mail",
    "meeting-outcomes": "meetings",
    "migrate": "data",
    "org": "privacy",
    "orgs": "data",
    "person": "privacy",
    "plan-meeting": "meetings",
    "projects": "projects",
    "restore": "backup",
    "retention": "privacy",
    "seed": "data",
    "serve": "data",
    "stats": "data",
    "suggest": "suggest",
    "token": "tokens",
    "user": "users",
    "weights": "suggest",
    "worker": "mail",
    "workshops": "projects",
}

C = TypeVar("C", bound=click.Command)


def load_command(name: str) -> click.Command | None:
    """The top-level command ``name``, importing only its module (None: no such command)."""
    module = COMMAND_MODULES.get(name)
    if module is None:
        return None
    commands = importlib.import_module(f"{__name__}.{module}").COMMANDS
    return next((cmd for cmd in commands if cmd.name == name), None)


@functools.cache
def all_commands() -> dict[str, click.Command]:
    """Every ``remo`` command by name, from the modules' ``COMMANDS`` lists (no app is created)."""
    out: dict[str, click.Command] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for cmd in getattr(module, "COMMANDS", ()):
            out[cmd.name or ""] = cmd
    return out


def register_commands(app: Flask) -> None:
    for cmd in all_commands().values():
        app.cli.add_command(cmd)


def store_app(cmd: C) -> C:
    """Mark ``cmd`` as needing the configuration, the store and the translations only.

    ``remo`` runs such a command in an app without the pages and the API (`web.create_app` with
    ``pages=False``), which spares their imports. A command that renders templates, builds URLs (mail
    does) or serves must stay unmarked.
    """
    cmd.remo_store_app = True  # type: ignore[attr-defined]
    return cmd


def needs_pages(ctx: click.Context | None) -> bool:
    """Whether the command running in ``ctx`` needs the whole web app.

    False only when the command and every command that invoked it (``remo demo`` invokes ``init``,
    then ``serve``) are marked with `store_app`; groups do not count.
    """
    commands = []
    while ctx is not None:
        if not isinstance(ctx.command, click.Group):
            commands.append(ctx.command)
        ctx = ctx.parent
    return not commands or not all(getattr(cmd, "remo_store_app", False) for cmd in commands)
