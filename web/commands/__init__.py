"""Click commands, one module per area; every module here with a ``COMMANDS`` list is registered."""

from __future__ import annotations

import importlib
import pkgutil

from flask import Flask

__all__ = ["register_commands"]


def register_commands(app: Flask) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for cmd in getattr(module, "COMMANDS", ()):
            app.cli.add_command(cmd)
