"""Exchange meeting planner pages (staff only): plan, lock and move tables, re-plan, print, record outcomes."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from graph import ConflictError, NotFoundError, ValidationError
from graph.model import MEETING_FORMATS, parse_meeting, slugify
from graph.store import GraphStore
from matching import MeetingPlan, replan

from ...extensions import get_store
from ...i18n import LANGUAGE_NAMES, UI_LANGUAGES, text_direction
from ...meeting_messages import future_outcomes_message, issue_messages, repeats_message, settings_warning
from ...meeting_plans import (
    earlier_pairs,
    load_meeting,
    load_plan,
    org_language,
    plan_csv,
    plan_for,
    plan_pdf,
    record_outcomes,
    rendered_plan,
    save_plan,
)
from ...reasons import reason_text
from ...security import allow
from ...weights import weights_in_use

__all__ = ["bp"]

bp = Blueprint("meetings", __name__)
#: the longest search staff can ask for on the page (seconds; the request waits for it)
MAX_SEARCH_SECONDS = 120


def _meeting_or_404(meeting_id: str) -> Any:
    try:
        return load_meeting(get_store(), meeting_id)
    except NotFoundError:
        abort(404)


def _flash_issues(exc: ValidationError, meeting: Any = None) -> None:
    """The planner's problems in the UI language, organisations by name (`web.meeting_messages`)."""
    names = {o.id: o.name for o in get_store().snapshot().network.organisations}
    for message in issue_messages(exc.issues, names, meeting)[:8]:
        flash(message, "error")


def _int(name: str, default: int | None = None) -> int | None:
    try:
        return int(request.form.get(name, ""))
    except ValueError:
        return default


@bp.route("/meetings")
@allow("staff")
def index() -> str:
    store = get_store()
    meetings = sorted((r.data for r in store.list("meeting")), key=lambda d: d.get("date") or "", reverse=True)
    planned = {r.id for r in store.list("meeting_plan")}
    return render_template("meetings/index.html", meetings=meetings, planned=planned)


@bp.route("/meetings/new", methods=["GET", "POST"])
@allow("staff")
def create() -> Response | str | tuple[str, int]:
    """A new exchange meeting with its registered organisations (then planned on its own page)."""
    store = get_store()
    snap = store.snapshot()
    orgs = sorted(snap.network.organisations, key=lambda o: o.name.casefold())
    values: dict[str, Any] = {"rounds": "4", "format": "tables", "table_size": "4", "attendance": []}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {
            "title": request.form.get("title", "").strip(),
            "date": request.form.get("date", "").strip(),
            "place": request.form.get("place", "").strip(),
            "start_time": request.form.get("start_time", "").strip(),
            "end_time": request.form.get("end_time", "").strip(),
            "deadline": request.form.get("deadline", "").strip(),
            "rounds": request.form.get("rounds", "").strip(),
            "format": request.form.get("format", "tables").strip(),
            "table_size": request.form.get("table_size", "").strip(),
            "attendance": [o for o in request.form.getlist("attendance") if o in snap.index],
        }
        meeting_id = slugify(f"{values['title']} {values['date']}")[:80] or "treffen"
        doc = {"id": meeting_id, **{k: v for k, v in values.items() if v not in ("", [])}}
        if values["format"] == "pairs":
            doc.pop("table_size", None)
        meeting, issues = parse_meeting(doc, snap.vocabulary, where="form")
        if len(values["attendance"]) < 2:
            errors["attendance"] = _("Register at least two organisations.")
        for issue in issues:
            errors.setdefault(issue.field.split("[")[0].split(".")[0], _time_error(issue) or issue.reason)
        if meeting is not None and not errors:
            try:
                store.create("meeting", meeting.id, meeting.to_dict(), actor=current_user.actor())
            except ConflictError:
                errors["title"] = _("A meeting with this title and date exists already.")
            else:
                flash(_("Meeting created. Now plan who meets whom."), "success")
                warning = settings_warning(meeting)
                if warning:
                    flash(warning, "error")
                return redirect(url_for("meetings.detail", meeting_id=meeting.id))
        return render_template("meetings/new.html", orgs=orgs, values=values, errors=errors), 422
    return render_template("meetings/new.html", orgs=orgs, values=values, errors=errors)


def _time_error(issue: Any) -> str:
    """The form's own words for the time and deadline fields."""
    if issue.field in ("start_time", "end_time") and issue.code == "bad_time":
        return _("Please enter a time as HH:MM, e.g. 18:30.")
    if issue.field == "end_time" and issue.code == "out_of_range":
        return _("The end must be after the start.")
    if issue.field == "deadline" and issue.code == "out_of_range":
        return _("The deadline for answers must not be after the meeting's date.")
    return ""


@bp.route("/meetings/<meeting_id>")
@allow("staff")
def detail(meeting_id: str) -> str:
    meeting = _meeting_or_404(meeting_id)
    store = get_store()
    snap = store.snapshot()
    plan, version = load_plan(store, meeting_id)
    doc = rendered_plan(plan, snap, _lang()) if plan else None
    names = {o.id: o.name for o in snap.network.organisations}
    return render_template(
        "meetings/detail.html",
        meeting=meeting,
        plan=plan,
        doc=doc,
        version=version,
        names=names,
        formats=MEETING_FORMATS,
        languages=LANGUAGE_NAMES,
        planner_notes=_planner_notes(meeting, plan, names),
        **_answers_context(store, meeting, plan, names),
    )


def _answers_context(
    store: GraphStore, meeting: Any, plan: MeetingPlan | None, names: dict[str, str]
) -> dict[str, Any]:
    """Who answered what, who got an invitation, and where the plan no longer matches the answers."""
    from ...mail.meetings import SCHEDULE_KIND

    rec = store.get(SCHEDULE_KIND, meeting.id)
    invited = (rec.data.get("invited") or {}) if rec is not None else {}
    answers = [
        {"org": o, "name": names.get(o, o), "answer": meeting.answer_of(o), "mailed": o in invited}
        for o in sorted(meeting.organisations(), key=lambda o: names.get(o, o).casefold())
    ]
    seated = {o for r in plan.rounds for t in r for o in t} if plan else set()
    return {
        "answers": answers,
        "others": sorted(
            ((o, n) for o, n in names.items() if meeting.answer_of(o) is None), key=lambda x: x[1].casefold()
        ),
        "not_mailed": sum(1 for a in answers if not a["mailed"] and a["answer"] != "no"),
        "deadline": meeting.response_deadline(),
        "seated_not_coming": sorted((names.get(o, o) for o in seated - set(meeting.attendance)), key=str.casefold),
        "coming_not_seated": sorted((names.get(o, o) for o in set(meeting.attendance) - seated), key=str.casefold)
        if plan
        else [],
    }


def _planner_notes(meeting: Any, plan: MeetingPlan | None, names: dict[str, str]) -> dict[str, Any]:
    """Impossible settings and the repeats of a best plan, as messages for the meeting page."""
    repeats = ""
    if plan is not None and plan.repeats:
        repeats = repeats_message(
            plan.repeats, names, (plan.search or {}).get("time_limit"), accepted=bool(plan.repeats_accepted_by)
        )
    future = bool(meeting.date) and meeting.date > dt.date.today().isoformat()
    return {
        "impossible": settings_warning(meeting),
        "repeats": repeats,
        "accepted": bool(plan is not None and plan.repeats_accepted_by),
        "future": future_outcomes_message(meeting.date) if future else "",
    }


def _lang() -> str:
    from ...templating import current_lang

    return current_lang()


@bp.route("/meetings/<meeting_id>/plan", methods=["POST"])
@allow("staff")
def make_plan(meeting_id: str) -> Response:
    meeting = _meeting_or_404(meeting_id)
    store = get_store()
    doc = meeting.to_dict()
    for name in ("rounds", "table_size"):
        value = request.form.get(name, "").strip()
        if value:
            doc[name] = value
    fmt = request.form.get("format", "").strip()
    if fmt:
        doc["format"] = fmt
        if fmt == "pairs":
            doc.pop("table_size", None)
    params: dict[str, Any] = {}
    seconds = _int("time_limit")
    if seconds is not None:
        params["time_limit"] = float(min(max(seconds, 1), MAX_SEARCH_SECONDS))
    checked = None
    try:
        checked, issues = parse_meeting(doc, None, where=f"meeting {meeting_id}")
        if checked is None:
            raise ValidationError(issues)
        plan = plan_for(store, checked, actor=current_user.actor(), **params)
        _old, version = load_plan(store, meeting_id)
        save_plan(store, plan, actor=current_user.actor(), version=version)
    except ValidationError as exc:
        _flash_issues(exc, checked or meeting)
    except ConflictError:
        flash(_("The plan was changed meanwhile; please look at it again."), "error")
    else:
        if plan.repeats:
            names = {o.id: o.name for o in store.snapshot().network.organisations}
            flash(repeats_message(plan.repeats, names, plan.search.get("time_limit")), "error")
        else:
            flash(_("Plan created."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id))


def _replan(meeting_id: str, locked: list[dict[str, Any]]) -> Response:
    meeting = _meeting_or_404(meeting_id)
    store = get_store()
    plan, version = load_plan(store, meeting_id)
    if plan is None:
        abort(404)
    expected = _int("version")
    if expected is not None and expected != version:
        flash(_("The plan was changed meanwhile; please look at it again."), "error")
        return redirect(url_for("meetings.detail", meeting_id=meeting_id))
    settings = replace(meeting, rounds=len(plan.rounds), format=plan.format, table_size=plan.table_size)
    try:
        new = replan(
            plan,
            locked,
            snapshot=store.snapshot(),
            meeting=settings,
            weights=weights_in_use(store),
            history=earlier_pairs(store, meeting),
            created_by=current_user.actor(),
        )
        save_plan(store, new, actor=current_user.actor(), version=version)
    except ValidationError as exc:
        _flash_issues(exc, settings)
    except ConflictError:
        flash(_("The plan was changed meanwhile; please look at it again."), "error")
    else:
        flash(_("Plan re-optimised; locked tables were kept."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id))


@bp.route("/meetings/<meeting_id>/accept-repeats", methods=["POST"])
@allow("staff")
def accept_repeats(meeting_id: str) -> Response:
    """Staff accept the repeated pairs of the best plan found (then it can be published)."""
    store = get_store()
    plan, version = load_plan(store, meeting_id)
    if plan is None or not plan.repeats:
        abort(404)
    plan.repeats_accepted_by = current_user.actor()
    try:
        save_plan(store, plan, actor=current_user.actor(), version=_int("version", version))
    except ConflictError:
        flash(_("The plan was changed meanwhile; please look at it again."), "error")
    else:
        flash(_("The repeated pairs are accepted for this plan."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id))


@bp.route("/meetings/<meeting_id>/lock", methods=["POST"])
@allow("staff")
def lock(meeting_id: str) -> Response:
    """Lock or unlock one table (no re-planning)."""
    store = get_store()
    plan, version = load_plan(store, meeting_id)
    r, t = _int("round"), _int("table")
    if plan is None or r is None or t is None or not (1 <= r <= len(plan.rounds) and 1 <= t <= len(plan.rounds[r - 1])):
        abort(404)
    if plan.is_locked(r, t):
        plan.locked = [x for x in plan.locked if (x["round"], x["table"]) != (r, t)]
    else:
        plan.locked = sorted(
            [*plan.locked, {"round": r, "table": t, "orgs": list(plan.rounds[r - 1][t - 1])}],
            key=lambda x: (x["round"], x["table"]),
        )
    try:
        save_plan(store, plan, actor=current_user.actor(), version=_int("version", version))
    except ConflictError:
        flash(_("The plan was changed meanwhile; please look at it again."), "error")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id) + f"#r{r}")


@bp.route("/meetings/<meeting_id>/move", methods=["POST"])
@allow("staff")
def move(meeting_id: str) -> Response:
    """Move an organisation to another table of a round; both tables get locked, the rest re-planned."""
    store = get_store()
    plan, _version = load_plan(store, meeting_id)
    r, t = _int("round"), _int("table")
    org = request.form.get("org", "")
    if plan is None or r is None or t is None or not 1 <= r <= len(plan.rounds):
        abort(404)
    tables = [list(x) for x in plan.rounds[r - 1]]
    source = next((i for i, x in enumerate(tables, start=1) if org in x), None)
    if source is None or not 1 <= t <= len(tables):
        abort(404)
    if source != t:
        tables[source - 1].remove(org)
        tables[t - 1].append(org)
    locked = [x for x in plan.locked if not (x["round"] == r and x["table"] in (source, t))]
    locked += [{"round": r, "table": n, "orgs": tables[n - 1]} for n in sorted({source, t}) if tables[n - 1]]
    return _replan(meeting_id, sorted(locked, key=lambda x: (x["round"], x["table"])))


@bp.route("/meetings/<meeting_id>/replan", methods=["POST"])
@allow("staff")
def do_replan(meeting_id: str) -> Response:
    plan, _version = load_plan(get_store(), meeting_id)
    if plan is None:
        abort(404)
    return _replan(meeting_id, plan.locked)


def _print_lang() -> str:
    lang = request.args.get("lang", "")
    return lang if lang in UI_LANGUAGES else ""


def _plan_or_404(meeting_id: str) -> MeetingPlan:
    plan, _version = load_plan(get_store(), meeting_id)
    if plan is None:
        abort(404)
    return plan


@bp.route("/meetings/<meeting_id>/print")
@allow("staff")
def printable(meeting_id: str) -> str:
    """The plan per round, table cards and one agenda per organisation, for A4 paper."""
    meeting = _meeting_or_404(meeting_id)
    plan = _plan_or_404(meeting_id)
    snap = get_store().snapshot()
    chosen = _print_lang()
    names = {o.id: o.name for o in snap.network.organisations}
    agendas = []
    for org in sorted({o for r in plan.rounds for t in r for o in t}, key=lambda o: names.get(o, o).casefold()):
        lang = chosen or org_language(snap.orgs.get(org))
        with force_locale(lang):
            items = []
            for item in plan.agenda(org):
                mates = [
                    {**m, "texts": [reason_text(x, snap.vocabulary, names, lang) for x in m["reasons"]]}
                    for m in item["with"]
                ]
                items.append(
                    {
                        **item,
                        "with": mates,
                        "head": _("Round %(r)s, table %(t)s", r=item["round"], t=item["table"]),
                        "theme_label": snap.vocabulary.label("topics", item["theme"], lang) if item["theme"] else "",
                    }
                )
            agendas.append(
                {
                    "org": org,
                    "lang": lang,
                    "dir": text_direction(lang),
                    "items": items,
                    "title": _("Agenda for %(name)s", name=names.get(org, org)),
                    "with_label": _("with"),
                    "starter_label": _("Conversation starters"),
                }
            )
    return render_template(
        "meetings/print.html",
        meeting=meeting,
        plan=plan,
        names=names,
        agendas=agendas,
        chosen=chosen,
        languages=LANGUAGE_NAMES,
    )


@bp.route("/meetings/<meeting_id>/plan.pdf")
@allow("staff")
def pdf(meeting_id: str) -> Response:
    meeting = _meeting_or_404(meeting_id)
    plan = _plan_or_404(meeting_id)
    data = plan_pdf(plan, get_store().snapshot(), lang=_print_lang() or None, title=meeting.title)
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{meeting_id}-plan.pdf"'},
    )


@bp.route("/meetings/<meeting_id>/plan.csv")
@allow("staff")
def csv_export(meeting_id: str) -> Response:
    plan = _plan_or_404(meeting_id)
    names = {o.id: o.name for o in get_store().snapshot().network.organisations}
    return Response(
        "\ufeff" + plan_csv(plan, names),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{meeting_id}-plan.csv"'},
    )


@bp.route("/meetings/<meeting_id>/outcomes", methods=["POST"])
@allow("staff")
def outcomes(meeting_id: str) -> Response:
    """Pairs ticked as met / agreed a follow-up become introductions (met / accepted)."""
    plan = _plan_or_404(meeting_id)
    seated = plan.pair_set()

    def ticked(name: str) -> list[tuple[str, str]]:
        out = []
        for value in request.form.getlist(name):
            a, _sep, b = value.partition(":")
            if tuple(sorted((a, b))) in seated:
                out.append((a, b))
        return out

    try:
        written = record_outcomes(get_store(), meeting_id, ticked("met"), ticked("agreed"), by=current_user.actor())
    except ValidationError as exc:
        _flash_issues(exc)
    except ConflictError:
        flash(_("An introduction was changed meanwhile; please record again."), "error")
    else:
        flash(ngettext("%(num)d introduction recorded.", "%(num)d introductions recorded.", len(written)), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id) + "#outcomes")


@bp.route("/meetings/<meeting_id>/answer", methods=["POST"])
@allow("staff")
def staff_answer(meeting_id: str) -> Response:
    """Staff confirm or cancel for an organisation, also after the deadline."""
    from ...meetings import set_attendance

    meeting = _meeting_or_404(meeting_id)
    org = request.form.get("org", "")
    choice = request.form.get("answer", "")
    snap = get_store().snapshot()
    if org not in snap.orgs or choice not in ("yes", "no", "invite"):
        abort(400)
    try:
        if choice == "invite":
            from ...meetings import invite_org

            invite_org(get_store(), meeting.id, org, actor=current_user.actor())
            flash(
                _("%(org)s is on the list. “Send invitations” mails the invitation.", org=snap.orgs[org].name),
                "success",
            )
            return redirect(url_for("meetings.detail", meeting_id=meeting_id) + "#answers")
        set_attendance(get_store(), meeting.id, org, choice == "yes", actor=current_user.actor(), staff=True)
    except ValidationError as exc:
        _flash_issues(exc)
    except ConflictError:
        flash(_("The meeting was changed meanwhile; please answer again."), "error")
    else:
        name = snap.orgs[org].name
        if choice == "yes":
            flash(_("Thank you: %(org)s takes part in “%(title)s”.", org=name, title=meeting.title), "success")
        else:
            flash(_("Thank you: %(org)s does not take part in “%(title)s”.", org=name, title=meeting.title), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id) + "#answers")


@bp.route("/meetings/<meeting_id>/invite", methods=["POST"])
@allow("staff")
def invite(meeting_id: str) -> Response:
    """Invitations by mail to every organisation of the meeting that has not got one yet."""
    from ...mail.meetings import SCHEDULE_KIND, invite_ops

    meeting = _meeting_or_404(meeting_id)
    store = get_store()
    mailed, ops = invite_ops(store, meeting)
    try:
        if ops:
            store.apply(ops, actor=current_user.actor())
    except ConflictError:
        flash(_("The invitations were sent meanwhile from another window; please look again."), "error")
        return redirect(url_for("meetings.detail", meeting_id=meeting_id) + "#answers")
    if mailed:
        flash(
            ngettext("%(num)d invitation is on its way.", "%(num)d invitations are on their way.", len(mailed)),
            "success",
        )
    rec = store.get(SCHEDULE_KIND, meeting_id)
    invited = (rec.data.get("invited") or {}) if rec is not None else {}
    orgs = store.snapshot().orgs
    missing = [
        orgs[o].name if o in orgs else o
        for o in meeting.organisations()
        if meeting.answer_of(o) != "no" and o not in invited
    ]
    if missing:
        flash(_("No mail address for: %(names)s. Please invite them another way.", names=", ".join(missing)), "error")
    elif not mailed:
        flash(_("Every organisation of this meeting has been invited already."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id) + "#answers")


@bp.route("/meetings/<meeting_id>/publish", methods=["POST"])
@allow("staff")
def publish(meeting_id: str) -> Response:
    """Publish the plan to the representatives (each seated organisation gets its agenda by mail), or withdraw it."""
    from ...mail.meetings import agenda_ops
    from ...meetings import NotPublishable, publish_ops, unpublish_ops

    meeting = _meeting_or_404(meeting_id)
    store = get_store()
    back = redirect(url_for("meetings.detail", meeting_id=meeting_id) + "#publication")
    try:
        if request.form.get("withdraw"):
            store.apply(unpublish_ops(store, meeting_id, version=_int("version")), actor=current_user.actor())
            flash(_("The plan is withdrawn: representatives see no tables until you publish again."), "success")
            return back
        plan, ops = publish_ops(store, meeting_id, actor=current_user.actor(), version=_int("version"))
        mails = agenda_ops(store, meeting, plan)
        store.apply([*ops, *mails], actor=current_user.actor())
    except NotFoundError:
        abort(404)
    except NotPublishable:
        flash(_("The plan seats some pairs twice. Accept the repeats or plan anew before publishing."), "error")
    except ConflictError:
        flash(_("The plan was changed meanwhile; please look at it again."), "error")
    else:
        sent = sum(1 for op in mails if op.kind == "message")
        flash(
            ngettext(
                "Plan published; %(num)d agenda is on its way by mail.",
                "Plan published; %(num)d agendas are on their way by mail.",
                sent,
            ),
            "success",
        )
    return back
