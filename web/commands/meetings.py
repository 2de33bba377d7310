"""``remo plan-meeting`` and ``remo meeting-outcomes``.

The store glue they share with the pages (load a meeting, plan it, save it, record outcomes) is in
`web.meeting_plans`; the optimisation itself is `matching.plan_meeting`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from flask.cli import with_appcontext
from flask_babel import force_locale, gettext, ngettext

from graph import Issue, Meeting, NotFoundError, ValidationError
from graph.model import parse_meeting

from ..extensions import get_store
from ..i18n import UI_LANGUAGES
from ..meeting_plans import load_meeting, plan_for, record_outcomes, rendered_plan, save_plan
from . import store_app
from .data import fail_cleanly

__all__ = ["COMMANDS"]


def _read_attendees(path: Path, snapshot: Any) -> list[str]:
    issues: list[Issue] = []
    ids: list[str] = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        org = raw.split("#", 1)[0].strip()
        if not org:
            continue
        if org not in snapshot.index:
            issues.append(
                Issue("attendance", org, "unknown organisation", where=f"{path.name} line {n}", code="unknown_ref")
            )
        elif org in ids:
            issues.append(Issue("attendance", org, "listed twice", where=f"{path.name} line {n}", code="duplicate"))
        else:
            ids.append(org)
    if issues:
        raise ValidationError(issues)
    return ids


@store_app
@click.command("plan-meeting")
@click.argument("meeting_id", required=False)
@click.option(
    "--attendees",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File with one organisation id per line (instead of MEETING_ID).",
)
@click.option("--rounds", type=int, help="Conversation rounds (default: the meeting's, else 1).")
@click.option("--table-size", type=int, help="Seats per table, 2-8 (default: the meeting's, else 4).")
@click.option("--format", "fmt", type=click.Choice(["tables", "pairs"]), help="Tables or 1:1 talks.")
@click.option(
    "--lang", type=click.Choice(UI_LANGUAGES), default="de", show_default=True, help="Language of the reasons."
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the search (plans are reproducible).")
@click.option(
    "--time-limit",
    type=click.FloatRange(0.1, 3600),
    help="Seconds of the search, by default the planner's 8 (more time can remove repeated pairs in hard cases).",
)
@click.option("--save", is_flag=True, help="Store the plan as the meeting's plan (with MEETING_ID only).")
@click.option("--accept-repeats", is_flag=True, help="With --save: accept the repeated pairs of the best plan found.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@with_appcontext
@fail_cleanly
def plan_meeting_cmd(
    meeting_id: str | None,
    attendees: Path | None,
    rounds: int | None,
    table_size: int | None,
    fmt: str | None,
    lang: str,
    seed: int,
    time_limit: float | None,
    save: bool,
    accept_repeats: bool,
    as_json: bool,
) -> None:
    """Plan who meets whom at an exchange meeting, in which round and at which table.

    Plans MEETING_ID (its registered organisations and constraints) or the organisations listed in
    --attendees FILE. No pair meets twice; pairs that already cooperate or met are avoided.
    Problems (unknown organisation, too many rounds, conflicting constraints): exit code 1, with the
    reason in the command line's language (remo --lang). When no plan without repeated pairs is found
    in --time-limit seconds, the best plan is shown with its repeats (exit code 0; with --save it is
    stored only with --accept-repeats, else exit code 1).
    """
    if bool(meeting_id) == bool(attendees):
        raise click.UsageError("give a MEETING_ID or --attendees FILE (not both)")
    if save and not meeting_id:
        raise click.UsageError("--save needs a MEETING_ID")
    from matching import MeetingPlanner

    from ..meeting_messages import repeats_message

    if time_limit is None:
        time_limit = MeetingPlanner().time_limit
    store = get_store()
    snap = store.snapshot()
    if meeting_id:
        try:
            meeting = load_meeting(store, meeting_id)
        except NotFoundError:
            click.echo(f"Error: unknown meeting {meeting_id!r}", err=True)
            sys.exit(1)
    else:
        assert attendees is not None
        meeting = Meeting(id=attendees.stem, title=attendees.stem, attendance=_read_attendees(attendees, snap))
    changes: dict[str, Any] = {}
    if rounds is not None:
        changes["rounds"] = rounds
    if fmt is not None:
        changes["format"] = fmt
    if table_size is not None:
        changes["table_size"] = table_size
    if changes:
        doc = {**meeting.to_dict(), **changes}
        if doc.get("format") == "pairs" and "table_size" not in changes:
            doc.pop("table_size", None)
        checked, issues = parse_meeting(doc, None, where=f"meeting {meeting.id}")
        names = {o.id: o.name for o in snap.network.organisations}
        if checked is None:
            _fail_translated(ValidationError(issues), names, meeting)
        meeting = checked
    names = {o.id: o.name for o in snap.network.organisations}
    try:
        plan = plan_for(store, meeting, actor="cli", seed=seed, time_limit=time_limit)
    except ValidationError as exc:
        _fail_translated(exc, names, meeting)
    repeats = repeats_message(plan.repeats, names, time_limit) if plan.repeats else ""  # the CLI's language
    refused = bool(repeats and save and not accept_repeats)  # the best plan is shown, not stored
    save = save and not refused
    if save:
        if plan.repeats:
            plan.repeats_accepted_by = "cli"
        save_plan(store, plan, actor="cli")
    doc = rendered_plan(plan, snap, lang)
    if as_json:
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1))
        if refused:
            sys.exit(1)
        return
    names = {**names, **doc["names"]}
    with force_locale(lang):
        for r, tables in enumerate(plan.rounds, start=1):
            click.echo(gettext("Round %(n)s", n=r))
            for t, members in enumerate(tables, start=1):
                click.echo(f"  {gettext('Table %(n)s', n=t)}: " + ", ".join(names[o] for o in members))
        click.echo(
            gettext(
                "Total match score: %(score)s (upper bound %(bound)s)",
                score=f"{plan.score:.2f}",
                bound=f"{plan.upper_bound:.2f}",
            )
        )
        for w in plan.warnings:
            if w["code"] != "repeated_pair":
                click.echo(f"  ! {w['code']}: " + ", ".join(names.get(o, o) for o in w["orgs"]))
        if save:
            click.echo(gettext("Plan saved."))
    if repeats:
        click.echo(repeats)
    if refused:
        click.echo(gettext("The plan was not saved: add --accept-repeats to save it with the repeats."), err=True)
        sys.exit(1)


def _fail_translated(exc: ValidationError, names: dict[str, str], meeting: Meeting | None) -> NoReturn:
    """The problems in the command line's language with organisation names on stderr, exit code 1."""
    from ..meeting_messages import issue_messages

    messages = issue_messages(exc.issues, names, meeting)
    click.echo(
        ngettext(
            "Error: %(num)d problem found; nothing was written.",
            "Error: %(num)d problems found; nothing was written.",
            len(messages),
        ),
        err=True,
    )
    for message in messages:
        click.echo(f"  {message}", err=True)
    sys.exit(1)


def _pairs(values: tuple[str, ...], option: str) -> list[tuple[str, str]]:
    out = []
    for v in values:
        parts = [p.strip() for p in v.split(":")]
        if len(parts) != 2 or not all(parts):
            raise click.BadParameter(f"{v!r} is not a pair 'org-a:org-b'", param_hint=option)
        out.append((parts[0], parts[1]))
    return out


@click.command("meeting-outcomes")
@click.argument("meeting_id")
@click.option("--met", "met", multiple=True, metavar="A:B", help="Two organisations that talked (repeatable).")
@click.option("--agreed", "agreed", multiple=True, metavar="A:B", help="Two that agreed a follow-up (repeatable).")
@click.option("--by", required=True, help="The staff user who records the outcome.")
@with_appcontext
@fail_cleanly
def meeting_outcomes_cmd(meeting_id: str, met: tuple[str, ...], agreed: tuple[str, ...], by: str) -> None:
    """Record who met at MEETING_ID (introduction status met) and who agreed a follow-up (accepted).

    Refused (exit code 1) before the meeting's date; problems in the command line's language (remo --lang).
    """
    store = get_store()
    try:
        written = record_outcomes(store, meeting_id, _pairs(met, "--met"), _pairs(agreed, "--agreed"), by=by)
    except ValidationError as exc:
        names = {o.id: o.name for o in store.snapshot().network.organisations}
        _fail_translated(exc, names, None)
    click.echo(f"{len(written)} introduction(s) recorded for {meeting_id}.")


COMMANDS = [plan_meeting_cmd, meeting_outcomes_cmd]
