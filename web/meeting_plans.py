"""The store glue of the exchange meeting planner: plain functions over the store, no request, no click.

Load a meeting, plan it with the history of earlier plans, save and load ``meeting_plan`` records,
CSV and PDF output, record outcomes as introductions. Shared by the pages (`web.views.meetings`,
`web.views.my_meetings`), the mail and ``remo plan-meeting`` / ``remo meeting-outcomes``; the
optimisation itself is `matching.plan_meeting`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from flask_babel import force_locale, gettext, ngettext

from graph import Issue, Meeting, Op, ValidationError
from graph.model import parse_introduction, parse_meeting
from graph.spreadsheet import csv_text
from graph.store import GraphStore
from graph.store.base import now_iso

from .i18n import RTL, UI_LANGUAGES
from .reasons import reason_text

if TYPE_CHECKING:  # the planner (NumPy, SciPy) loads when a plan is made or read
    from matching import MeetingPlan

__all__ = [
    "PLAN_KIND",
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
    """Plan ``meeting`` on the store's network, with the learned weights and the earlier plans as history.

    The plan's ``created_at`` is now (UTC): the planner itself reads no clock.
    """
    from matching import plan_meeting

    from .weights import weights_in_use

    return plan_meeting(
        store.snapshot(),
        meeting,
        weights=weights_in_use(store),
        history=earlier_pairs(store, meeting),
        created_by=actor,
        created_at=now_iso(),
        **params,
    )


def save_plan(store: GraphStore, plan: MeetingPlan, *, actor: str = "", version: int | None = None) -> Any:
    """Validate and write the ``meeting_plan`` record (``version``: the one the edit was based on).

    A plan without ``created_at`` (one from `matching.replan`, which reads no clock) is stamped now (UTC).
    """
    from matching import parse_plan

    data = plan.to_dict()
    if not data.get("created_at"):
        data["created_at"] = now_iso()
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
    from .introductions import find_introduction, introduction_id

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

    from .brochure import find_font, shaping_available

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
