"""``remo user``: create, list and disable user accounts (there is no default account)."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from graph import ConflictError, ValidationError

from ..extensions import get_store
from ..users import ROLES, create_user, get_user, list_users, password_problems, update_user
from .data import fail_cleanly

__all__ = ["COMMANDS"]


@click.group("user")
def user_group() -> None:
    """Manage user accounts (KI staff, admins and representatives)."""


def _read_password(username: str, from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")
    problems = password_problems(password, username)
    if problems:
        for p in problems:
            click.echo(f"Error: {p}", err=True)
        sys.exit(1)
    return password


@user_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True, help="admin, staff or representative.")
@click.option("--org", "orgs", multiple=True, metavar="ID", help="Organisation the user represents (repeatable).")
@click.option("--name", default="", help="Full name.")
@click.option("--email", default="", help="Email address.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@with_appcontext
@fail_cleanly
def user_create(username: str, role: str, orgs: tuple[str, ...], name: str, email: str, password_stdin: bool) -> None:
    """Create the account USERNAME (lowercase); the password is asked twice (at least 12 characters)."""
    store = get_store()
    username = username.strip().lower()
    if get_user(store, username) is not None:
        click.echo(f"Error: the user {username!r} exists already", err=True)
        sys.exit(1)
    password = _read_password(username, password_stdin)
    try:
        user = create_user(
            store, username, role=role, password=password, organisations=list(orgs), name=name, email=email, actor="cli"
        )
    except ConflictError:
        click.echo(f"Error: the user {username!r} exists already", err=True)
        sys.exit(1)
    except ValidationError as exc:
        for issue in exc.issues:
            click.echo(f"Error: {issue.field}: {issue.value!r}: {issue.reason}", err=True)
        sys.exit(1)
    orgs_text = f" for {', '.join(user.organisations)}" if user.organisations else ""
    click.echo(f"Created {user.role} {user.id}{orgs_text}.")


@user_group.command("list")
@with_appcontext
@fail_cleanly
def user_list() -> None:
    """List the accounts: username, role, active, organisations."""
    for u in list_users(get_store()):
        state = "active" if u.active else "disabled"
        click.echo(f"{u.id:24} {u.role:15} {state:9} {', '.join(u.organisations)}")


@user_group.command("disable")
@click.argument("username")
@with_appcontext
@fail_cleanly
def user_disable(username: str) -> None:
    """Disable USERNAME: it can no longer log in, and open sessions end."""
    store = get_store()
    user = get_user(store, username)
    if user is None:
        click.echo(f"Error: no user {username!r}", err=True)
        sys.exit(2)
    if not user.active:
        click.echo(f"{user.id} is already disabled.")
        return
    update_user(store, user, actor="cli", active=False)
    click.echo(f"Disabled {user.id}.")


@user_group.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from the first line of stdin.")
@with_appcontext
@fail_cleanly
def user_password(username: str, password_stdin: bool) -> None:
    """Set a new password for USERNAME (asked twice); the user's open sessions end."""
    store = get_store()
    user = get_user(store, username.strip().lower())
    if user is None:
        click.echo(f"Error: no user {username!r}", err=True)
        sys.exit(2)
    password = _read_password(user.id, password_stdin)
    try:
        update_user(store, user, actor="cli", password=password)
    except ValidationError as exc:
        for issue in exc.issues:
            click.echo(f"Error: {issue.field}: {issue.reason}", err=True)
        sys.exit(1)
    click.echo(f"New password set for {user.id}; their sessions have ended.")


COMMANDS = [user_group]
