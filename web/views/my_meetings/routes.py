"""The page "Meine Treffen": a representative's upcoming exchange meetings, answers, agenda and calendar file."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from graph import ConflictError, NotFoundError, ValidationError

from ...extensions import get_store
from ...meeting_plans import load_meeting, load_plan
from ...meetings import (
    DeadlinePassed,
    agenda_for,
    agenda_text,
    calendar_for,
    can_answer,
    day_text,
    describe_when,
    event_times,
    meetings_of,
    set_attendance,
    today_berlin,
)
from ...security import allow
from ...templating import current_lang

__all__ = ["bp"]

bp = Blueprint("my_meetings", __name__)


def _mine(org_id: str, meeting_id: str) -> Any:
    """The meeting if it concerns ``org_id`` (which the access rule checked is the user's), else 404."""
    try:
        meeting = load_meeting(get_store(), meeting_id)
    except NotFoundError:
        abort(404)
    if meeting.answer_of(org_id) is None:
        abort(404)
    return meeting


@bp.route("/meine-treffen")
@allow("user")
def index() -> str:
    store = get_store()
    orgs = list(current_user.organisations)
    snap = store.snapshot()
    items = [
        {
            "m": m,
            "when": describe_when(m.meeting),
            "deadline": day_text(m.meeting.response_deadline()),
            "org_name": snap.orgs[m.org].name if m.org in snap.orgs else m.org,
        }
        for m in meetings_of(store, orgs)
    ]
    return render_template("my_meetings/index.html", items=items, several=len(orgs) > 1)


@bp.route("/meine-treffen/<meeting_id>/<org_id>/answer", methods=["POST"])
@allow("org")
def answer(meeting_id: str, org_id: str) -> Response:
    meeting = _mine(org_id, meeting_id)
    choice = request.form.get("answer", "")
    if choice not in ("yes", "no"):
        abort(400)
    back = redirect(url_for("my_meetings.index") + f"#m-{meeting_id}-{org_id}")
    try:
        set_attendance(
            get_store(),
            meeting_id,
            org_id,
            choice == "yes",
            actor=current_user.actor(),
            staff=bool(current_user.is_staff),
        )
    except DeadlinePassed as exc:
        flash(
            _(
                "The deadline for answers to “%(title)s” was %(date)s. Please contact the KI staff if your plans "
                "have changed.",
                title=meeting.title,
                date=day_text(exc.deadline),
            ),
            "error",
        )
    except ConflictError:
        flash(_("The meeting was changed meanwhile; please answer again."), "error")
    except ValidationError as exc:
        for issue in exc.issues[:4]:
            flash(_("%(field)s: %(reason)s", field=issue.field, reason=issue.reason), "error")
    else:
        names = get_store().snapshot().orgs
        name = names[org_id].name if org_id in names else org_id
        if choice == "yes":
            flash(_("Thank you: %(org)s takes part in “%(title)s”.", org=name, title=meeting.title), "success")
        else:
            flash(_("Thank you: %(org)s does not take part in “%(title)s”.", org=name, title=meeting.title), "success")
    return back


@bp.route("/meine-treffen/<meeting_id>/<org_id>")
@allow("org")
def agenda(meeting_id: str, org_id: str) -> str:
    meeting = _mine(org_id, meeting_id)
    store = get_store()
    snap = store.snapshot()
    plan, _version = load_plan(store, meeting_id)
    released = plan is not None and bool(plan.published_at)
    published = released and org_id in {o for r in plan.rounds for t in r for o in t}
    items = agenda_for(plan, snap, org_id, current_lang()) if published else []
    org = snap.orgs.get(org_id)
    return render_template(
        "my_meetings/agenda.html",
        meeting=meeting,
        org_id=org_id,
        org_name=org.name if org else org_id,
        when=describe_when(meeting),
        deadline=day_text(meeting.response_deadline()),
        open=can_answer(meeting, today_berlin()),
        answer=meeting.answer_of(org_id),
        published=published,
        unseated=released and not published,
        items=items,
        has_date=event_times(meeting) is not None,
    )


@bp.route("/meine-treffen/<meeting_id>/<org_id>.ics")
@allow("org")
def calendar(meeting_id: str, org_id: str) -> Response:
    meeting = _mine(org_id, meeting_id)
    if event_times(meeting) is None:
        abort(404)
    store = get_store()
    plan, _version = load_plan(store, meeting_id)
    description = ""
    if plan is not None and plan.published_at:
        description = agenda_text(agenda_for(plan, store.snapshot(), org_id, current_lang()))
    base = str(current_app.config.get("REMO_BASE_URL") or request.host_url)
    data = calendar_for(
        meeting,
        org_id,
        base_url=base,
        url=url_for("my_meetings.agenda", meeting_id=meeting_id, org_id=org_id, _external=True),
        description=description,
        cancelled=meeting.answer_of(org_id) == "no",
    )
    return Response(
        data, mimetype="text/calendar", headers={"Content-Disposition": f'attachment; filename="{meeting_id}.ics"'}
    )
