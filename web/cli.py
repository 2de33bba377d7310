"""The ``remo`` command line (click, the Flask way: a FlaskGroup around the app factory)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click
from flask.cli import FlaskGroup

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["cli", "main"]


def _set_store(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value:
        os.environ["REMO_STORE"] = value


def _set_lang(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value:
        os.environ["REMO_CLI_LANG"] = value


def _create_app() -> Flask:
    """The app a command runs in: without the pages for the commands that need only the store."""
    from . import create_app
    from .commands import needs_pages

    return create_app(pages=needs_pages(click.get_current_context(silent=True)))


class RemoGroup(FlaskGroup):
    """Flask's command group, listing ReMo's own commands without creating the app (click's lazy group).

    Finding a command imports its module only (`web.commands.COMMAND_MODULES`; ``remo --help`` imports them
    all for their help lines); the app is created when a command runs (``with_appcontext``), with or without
    the pages (`web.commands.store_app`). Other packages' ``flask.commands`` plugins (e.g. Flask-Limiter's)
    are not loaded: they cost start-up time and are no ReMo commands.
    """

    def _load_plugin_commands(self) -> None:
        self._loaded_plugin_commands = True

    def list_commands(self, ctx: click.Context) -> list[str]:
        from .commands import COMMAND_MODULES

        return sorted(set(self.commands) | set(COMMAND_MODULES))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        from .commands import load_command

        return self.commands.get(name) or load_command(name)


@click.group(
    cls=RemoGroup,
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    set_debug_flag=False,
    load_dotenv=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--store",
    metavar="URL",
    callback=_set_store,
    expose_value=False,
    is_eager=True,
    help="Store URL: sqlite:///instance/remo.db (default), bolt://host:7687 or neo4j://host:7687. Also REMO_STORE.",
)
@click.option(
    "--lang",
    metavar="LANG",
    type=click.Choice(["de", "en", "tr", "ar", "ru", "uk"]),
    callback=_set_lang,
    expose_value=False,
    is_eager=True,
    help="Language of the command line's messages (default: en). Also REMO_CLI_LANG. The web UI speaks German.",
)
@click.version_option(package_name="remo", prog_name="remo")
def cli() -> None:
    """ReMo: partner matching and networking for networks of migrant organisations.

    \b
    Quick start:
      remo demo            create the demo network and serve it on http://127.0.0.1:5000
      remo --help          this help; every command has --help too
    """


def main() -> None:
    try:
        cli.main(prog_name="remo")
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
