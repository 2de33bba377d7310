"""Click commands registered on the app (``remo COMMAND``)."""

from __future__ import annotations

from flask import Flask

__all__ = ["register_commands"]


def register_commands(app: Flask) -> None:
    from . import data

    for cmd in data.COMMANDS:
        app.cli.add_command(cmd)
    try:
        from . import suggest
    except ImportError:  # pragma: no cover - not written yet
        pass
    else:
        for cmd in suggest.COMMANDS:
            app.cli.add_command(cmd)
