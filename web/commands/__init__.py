"""Click commands, one module per area; every module here with a ``COMMANDS`` list is registered."""

from __future__ import annotations

import functools
import importlib
import pkgutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import click
    from flask import Flask

__all__ = ["all_commands", "register_commands"]


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
