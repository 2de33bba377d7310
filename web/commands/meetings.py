"""``remo plan-meeting`` and ``remo meeting-outcomes``, and the store glue of the meeting planner.

The functions here (load a meeting, plan it with the history of earlier plans, save and load
``meeting_plan`` records, CSV and PDF output, record outcomes as introductions) are shared with the
web pages in `web.views.meetings`; the optimisation itself is `matching.plan_meeting`.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from flask.cli import with_appcontext
from flask_babel import force_locale, gettext, ngettext

from graph import Issue, Meeting, NotFoundError, Op, ValidationError
from graph.model import parse_introduction, parse_meeting
from graph.spreadsheet import csv_text
from graph.store import GraphStore

from ..extensions import get_store
from ..i18n import RTL, UI_LANGUAGES
from ..reasons import reason_text
from . import store_app
from .data import fail_cleanly

if TYPE_CHECKING:  # the planner (NumPy, SciPy) loads when a plan is made or read
    from matching import MeetingPlan

__all__ = [
    "COMMANDS",
    "earlier_pairs",
    "load_meeting",
    "load_plan",
    "org_language",
    "plan_csv",
    "plan_for",
    "plan_pdf",
    "record_outcomes",
    "rendered_plan",
    "save_plan",
]

PLAN_KIND = "meeting_plan"
#: languages whose script fpdf2 cannot shape without uharfbuzz: their PDFs are written in German
PDF_UNSHAPED = frozenset({"ar"})


# ---------------------------------------------------------------------------
# store glue
# ---------------------------------------------------------------------------
def load_meeting(store: GraphStore, meeting_id: str) -> Meeting:
    """The meeting record as a `graph.Meeting` (raises `graph.NotFoundError`)."""
    rec = store.require("meeting", meeting_id)
    meeting, issues = parse_meeting(rec.data, None, where=f"meeting {meeting_id}")
    if meeting is None:
        raise ValidationError(issues)
    return meeting


def load_plan(store: GraphStore, meeting_id: str) -> tuple[MeetingPlan | None, int | None]:
    """The stored plan of a meeting and its record version (``(None, None)`` when there is none)."""
    from matching import parse_plan

    rec = store.get(PLAN_KIND, meeting_id)
    if rec is None:
        return None, None
    plan, issues = parse_plan(rec.data, where=f"meeting_plan {meeting_id}")
    if plan is None:
        raise ValidationError(issues)
    return plan, rec.version


def earlier_pairs(store: GraphStore, meeting: Meeting) -> list[tuple[str, str]]:
    """Pairs seated together in the stored plans of other meetings held before this one (or undated)."""
    from matching import parse_plan

    dates = {r.id: r.data.get("date") for r in store.list("meeting")}
    out: set[tuple[str, str]] = set()
    for rec in store.list(PLAN_KIND):
        if rec.id == meeting.id:
            continue
        when = dates.get(rec.id)
        if meeting.date and when and when >= meeting.date:
            continue
        plan, _ = parse_plan(rec.data)
        if plan is not None:
            out |= plan.pair_set()
    return sorted(out)


def plan_for(store: GraphStore, meeting: Meeting, *, actor: str = "", **params: Any) -> MeetingPlan:
    """Plan ``meeting`` on the store's network, with the learned weights and the earlier plans as history."""
    from matching import plan_meeting

    from ..weights import weights_in_use

    return plan_meeting(
        store.snapshot(),
        meeting,
        weights=weights_in_use(store),
        history=earlier_pairs(store, meeting),
        created_by=actor,
        **params,
    )


def save_plan(store: GraphStore, plan: MeetingPlan, *, actor: str = "", version: int | None = None) -> Any:
    """Validate and write the ``meeting_plan`` record (``version``: the one the edit was based on)."""
    from matching import parse_plan

    data = plan.to_dict()
    checked, issues = parse_plan(data, where=f"meeting_plan {plan.meeting}")
    if checked is None:
        raise ValidationError(issues)
    if version is None:
        return store.upsert(PLAN_KIND, plan.meeting, data, actor=actor)
    return store.update(PLAN_KIND, plan.meeting, data, version, actor=actor)


def org_language(org: Any, default: str = "de") -> str:
    """The organisation's first UI language among its languages, else ``default`` (German)."""
    for lang in getattr(org, "languages", []) or []:
        if lang in UI_LANGUAGES:
            return lang
    return default


def rendered_plan(plan: MeetingPlan, snapshot: Any, lang: str = "de") -> dict[str, Any]:
    """``plan.to_dict()`` with organisation names and every reason as text in ``lang`` (app context)."""
    names = {o.id: o.name for o in snapshot.network.organisations}
    doc = plan.to_dict()
    doc["names"] = {o: names.get(o, o) for tables in plan.rounds for t in tables for o in t}
    for p in doc["pairs"]:
        p["reasons"] = [{**r, "text": reason_text(r, snapshot.vocabulary, names, lang)} for r in p["reasons"]]
    return doc


def record_outcomes(
    store: GraphStore,
    meeting_id: str,
    met: list[tuple[str, str]],
    agreed: list[tuple[str, str]],
    *,
    by: str,
    note: str = "",
    today: dt.date | None = None,
) -> list[Any]:
    """Write who met at the meeting (status ``met``) and who agreed a follow-up (``accepted``).

    Refused (``code="future_meeting"``) before the meeting's date (``today``: default the real one).

    One introduction record per pair (validated with `graph.model.parse_introduction`, ``meeting`` =
    the meeting, ``by`` = the staff user); an existing one is updated unless it is already further
    (``cooperating``). All in one transaction.
    """
    from ..introductions import find_introduction, introduction_id

    meeting = load_meeting(store, meeting_id)
    today = (today or dt.date.today()).isoformat()
    if meeting.date and meeting.date > today:
        raise ValidationError(
            Issue(
                "date",
                meeting.date,
                "the meeting has not taken place yet: outcomes can be recorded from its date on",
                where=f"meeting {meeting_id}",
                code="future_meeting",
            )
        )
    present = set(meeting.attendance)
    status_of = {tuple(sorted(p)): "met" for p in met}
    status_of.update({tuple(sorted(p)): "accepted" for p in agreed})
    issues: list[Issue] = []
    ops: list[Op] = []
    day = meeting.date
    for (a, b), status in sorted(status_of.items()):
        missing = [x for x in (a, b) if x not in present]
        if missing:
            issues.append(
                Issue(
                    "pair",
                    f"{a}:{b}",
                    f"{', '.join(missing)} was not registered for the meeting",
                    where=f"meeting {meeting_id}",
                    code="unknown_ref",
                )
            )
            continue
        rec = find_introduction(store, a, b)
        if rec is not None and rec.data.get("status") == "cooperating":
            continue
        data = dict(rec.data) if rec is not None else {"id": introduction_id(a, b), "a": a, "b": b}
        data.update({"status": status, "by": by, "at": day, "meeting": meeting_id})
        if note:
            data["note"] = note
        intro, errs = parse_introduction(data, None, where=f"pair {a}:{b}")
        if intro is None:
            issues.extend(errs)
            continue
        ops.append(Op("introduction", intro.id, intro.to_dict(), rec.version if rec is not None else None))
    if issues:
        raise ValidationError(issues)
    return store.apply(ops, actor=by) if ops else []


def plan_csv(plan: MeetingPlan, names: dict[str, str]) -> str:
    """One row per organisation, round and table: ``round;table;theme;organisation;name;with``."""
    rows: list[list[Any]] = [["round", "table", "theme", "organisation", "name", "with"]]
    for r, tables in enumerate(plan.rounds, start=1):
        for t, members in enumerate(tables, start=1):
            for o in members:
                mates = ", ".join(names.get(x, x) for x in members if x != o)
                rows.append([r, t, plan.theme(t) or "", o, names.get(o, o), mates])
    return csv_text(rows, delimiter=";")  # names and themes cannot become formulas


def _pdf_text(pdf: Any, unicode_font: bool, text: str) -> str:
    if unicode_font:
        return text
    return text.encode("latin-1", "replace").decode("latin-1")


def plan_pdf(plan: MeetingPlan, snapshot: Any, *, lang: str | None = None, title: str = "") -> bytes:
    """A4 PDF: the plan per round, then one agenda page per organisation (in its language, or ``lang``).

    Uses DejaVu Sans. Arabic is shaped right to left with uharfbuzz; where that package is missing,
    agendas that would be Arabic are written in German instead. Call in an app context.
    """
    from fpdf import FPDF

    from ..brochure import find_font, shaping_available

    unshaped = frozenset() if shaping_available() else PDF_UNSHAPED

    names = {o.id: o.name for o in snapshot.network.organisations}
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    found = find_font()  # the brochure's lookup: REMO_BROCHURE_FONT, Debian's DejaVu, a packaged copy
    unicode_font = found is not None
    if found is not None:
        regular, bold = found
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold or regular))
        family = "DejaVu"
    else:
        family = "Helvetica"

    def text(s: str) -> str:
        return _pdf_text(pdf, unicode_font, s)

    rtl = False

    def line(s: str, size: float = 10, style: str = "", h: float = 5.5) -> None:
        pdf.set_font(family, style, size)
        pdf.multi_cell(0, h, text(s), new_x="LMARGIN", new_y="NEXT", align="R" if rtl else "L")

    def direction(language: str) -> None:
        nonlocal rtl
        rtl = language in RTL and unicode_font
        if rtl:
            pdf.set_text_shaping(use_shaping_engine=True, direction="rtl", script="arab", language="ara")
        else:
            pdf.set_text_shaping(False)

    overview = lang if lang in UI_LANGUAGES and lang not in unshaped else "de"
    direction(overview)
    with force_locale(overview):
        pdf.add_page()
        line(title or gettext("Exchange meeting"), 16, "B", 8)
        line(ngettext("Seating plan: %(num)d round", "Seating plan: %(num)d rounds", len(plan.rounds)), 11)
        for r, tables in enumerate(plan.rounds, start=1):
            line(gettext("Round %(n)s", n=r), 13, "B", 8)
            for t, members in enumerate(tables, start=1):
                theme = plan.theme(t)
                label = gettext("Table %(n)s", n=t)
                if theme:
                    label += f" ({snapshot.vocabulary.label('topics', theme, overview)})"
                line(f"{label}: " + ", ".join(names.get(o, o) for o in members))
    orgs = sorted({o for tables in plan.rounds for t in tables for o in t}, key=lambda o: names.get(o, o).lower())
    for org in orgs:
        org_lang = lang if lang in UI_LANGUAGES else org_language(snapshot.orgs.get(org))
        if org_lang in unshaped or (not unicode_font and org_lang not in ("de", "en", "tr")):
            org_lang = "de"
        direction(org_lang)
        with force_locale(org_lang):
            pdf.add_page()
            line(gettext("Agenda for %(name)s", name=names.get(org, org)), 14, "B", 8)
            if title:
                line(title, 10)
            for item in plan.agenda(org):
                head = gettext("Round %(r)s, table %(t)s", r=item["round"], t=item["table"])
                if item["theme"]:
                    head += " – " + snapshot.vocabulary.label("topics", item["theme"], org_lang)
                line(head, 12, "B", 7)
                for mate in item["with"]:
                    line(gettext("with %(name)s", name=names.get(mate["org"], mate["org"])), 10, "B")
                    reasons = [reason_text(r, snapshot.vocabulary, names, org_lang) for r in mate["reasons"]]
                    if reasons:
                        line(gettext("Conversation starters: %(reasons)s", reasons="; ".join(reasons)), 9)
    return bytes(pdf.output())


# ---------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------
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
