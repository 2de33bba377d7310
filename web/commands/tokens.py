"""``remo token``: create, list and revoke personal API tokens."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext

from graph import NotFoundError

from ..api.tokens import create_token, list_tokens, revoke_token
from ..extensions import get_store
from .data import fail_cleanly

__all__ = ["COMMANDS"]


@click.group("token")
def token_group() -> None:
    """Manage personal API tokens (stored hashed; the secret is shown once, when created)."""


@token_group.command("create")
@click.argument("username")
@click.option("--name", default="", help="What the token is for (shown in lists).")
@click.option("--expires", "days", type=click.IntRange(1, 3650), default=None, help="Valid for this many days.")
@click.option("--json", "as_json", is_flag=True, help="Print id and secret as JSON.")
@with_appcontext
@fail_cleanly
def create_cmd(username: str, name: str, days: int | None, as_json: bool) -> None:
    """Create a token acting with USERNAME's role and print its secret (only this once)."""
    secret, token = create_token(get_store(), username, name=name, expires_days=days, actor="cli")
    if as_json:
        click.echo(json.dumps({**token.to_dict(), "secret": secret}, ensure_ascii=False, indent=1))
        return
    click.echo(f"Token {token.id} for {token.user}" + (f", valid until {token.expires_at}" if token.expires_at else ""))
    click.echo("Copy the secret now; it is not stored and cannot be shown again:", err=True)
    click.echo(secret)


@token_group.command("list")
@click.option("--user", "username", default=None, help="Only the tokens of this user.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@fail_cleanly
def list_cmd(username: str | None, as_json: bool) -> None:
    """List tokens (never their secrets), newest first."""
    tokens = list_tokens(get_store(), username.strip().lower() if username else None)
    if as_json:
        click.echo(json.dumps([t.to_dict() for t in tokens], ensure_ascii=False, indent=1))
        return
    if not tokens:
        click.echo("No tokens.")
    for t in tokens:
        until = t.expires_at or "no end"
        click.echo(f"{t.id}  {t.status:8}  {t.user:20}  until {until:25}  {t.name}")


@token_group.command("revoke")
@click.argument("token_id")
@with_appcontext
@fail_cleanly
def revoke_cmd(token_id: str) -> None:
    """Revoke the token TOKEN_ID (see 'remo token list'); programs using it get 401 from now on."""
    try:
        done = revoke_token(get_store(), token_id.strip(), actor="cli")
    except NotFoundError:
        click.echo(f"Error: there is no token {token_id!r} (see 'remo token list')", err=True)
        sys.exit(2)
    click.echo(f"Token {token_id} revoked." if done else f"Token {token_id} was revoked already.")


COMMANDS = [token_group]
