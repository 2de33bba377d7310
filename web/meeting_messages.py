"""What the meeting planner's errors and warnings say to people: in the UI language, with names.

The planner (`matching.MeetingPlanner`, `graph.model.parse_meeting`) reports problems as
`graph.Issue`s with a stable ``code``, the field and the organisation ids; their ``reason`` is
English for logs. The pages (`web.views.meetings`) and the command line (`remo plan-meeting`,
`remo meeting-outcomes`) turn them into messages here, one home for both: translated with
Flask-Babel in the current locale and naming organisations by their names, never by their ids.
Call in an app context (``force_locale`` for the command line).

Impossible settings (more rounds than `matching.rounds_bound` allows) are said to be impossible
with the reason of the bound; a plan that still has repeated pairs says how many and which, and
offers more time, fewer rounds or accepting the repeats.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask_babel import format_date, ngettext
from flask_babel import gettext as _

from graph import Issue
from matching import rounds_bound, table_sizes

__all__ = [
    "future_outcomes_message",
    "impossible_message",
    "issue_message",
    "issue_messages",
    "repeats_message",
    "settings_warning",
]


def _name(names: Mapping[str, str], org: Any) -> str:
    return names.get(str(org), str(org))


def _ids(value: Any) -> list[str]:
    """The organisation ids in an issue's value (an id, a pair, a list of pairs)."""
    if isinstance(value, str):
        return [value]
    out: list[str] = []
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        for x in value:
            out.extend(_ids(x) if not isinstance(x, str) else [x])
    return out


def _join(items: Sequence[str]) -> str:
    return ", ".join(items)


def _round(issue: Issue) -> str:
    found = re.search(r"round (\d+)", issue.reason)
    return found.group(1) if found else ""


def impossible_message(n: int, table_size: int, rounds: int, format: str = "tables") -> str | None:
    """Why ``rounds`` rounds cannot be planned without a pair meeting twice, or None when they might be."""
    k = 2 if format == "pairs" else table_size
    if n < 2 or k < 2:
        return None
    most, why = rounds_bound(n, k)
    if rounds <= most:
        return None
    if format == "pairs":
        head = ngettext(
            "Impossible without repeats: %(n)s organisations in 1:1 talks can have at most %(num)d round "
            "in which nobody meets anybody twice.",
            "Impossible without repeats: %(n)s organisations in 1:1 talks can have at most %(num)d "
            "rounds in which nobody meets anybody twice.",
            most,
            n=n,
        )
    else:
        head = ngettext(
            "Impossible without repeats: %(n)s organisations at tables of %(k)s can have at most %(num)d "
            "round in which nobody meets anybody twice.",
            "Impossible without repeats: %(n)s organisations at tables of %(k)s can have at most "
            "%(num)d rounds in which nobody meets anybody twice.",
            most,
            n=n,
            k=k,
        )
    sizes = table_sizes(n, k)
    if why == "partners":
        reason = _(
            "Each organisation meets new people in every round (at least %(new)s), and the number of "
            "others is only %(others)s.",
            new=min(sizes) - 1,
            others=n - 1,
        )
    elif why == "pairs":
        reason = _(
            "Each round seats %(per)s of the pairs, and the number of pairs is %(all)s.",
            per=sum(s * (s - 1) // 2 for s in sizes),
            all=n * (n - 1) // 2,
        )
    elif why == "tables":
        reason = _(
            "From the second round on, the members of a table must come from different tables of the "
            "first round, but the number of tables is only %(tables)s.",
            tables=len(sizes),
        )
    else:
        reason = _("This is proven (the “social golfer problem”).")
    return f"{head} {reason} " + _("Please plan fewer rounds or change the seats per table.")


def future_outcomes_message(date: str) -> str:
    """Outcomes of a meeting that has not taken place yet are refused: this says so (``date`` ISO)."""
    try:
        day = format_date(dt.date.fromisoformat(date), "long")
    except ValueError:
        day = date
    return _("Outcomes can only be recorded once the meeting has taken place (on %(date)s).", date=day)


def settings_warning(meeting: Any) -> str | None:
    """The warning for a meeting whose rounds cannot be planned without repeats (None when they can)."""
    n = len(dict.fromkeys(getattr(meeting, "attendance", []) or []))
    return impossible_message(n, meeting.table_size, meeting.rounds, meeting.format)


def repeats_message(
    repeats: Sequence[Mapping[str, Any]], names: Mapping[str, str], seconds: float | None, *, accepted: bool = False
) -> str:
    """No plan without repeated pairs was found: how many, which, and what can be done."""
    count = sum(max(1, len(r.get("rounds") or []) - 1) for r in repeats)
    shown = [
        _(
            "%(a)s and %(b)s (rounds %(rounds)s)",
            a=_name(names, r["orgs"][0]),
            b=_name(names, r["orgs"][1]),
            rounds=", ".join(str(x) for x in r.get("rounds") or []),
        )
        for r in repeats[:6]
    ]
    if len(repeats) > 6:
        shown.append("…")
    if seconds:
        head = ngettext(
            "No plan without repeated pairs was found within the search time (%(seconds)s s); the best "
            "plan found has %(num)d repeated meeting: %(pairs)s.",
            "No plan without repeated pairs was found within the search time (%(seconds)s s); the best "
            "plan found has %(num)d repeated meetings: %(pairs)s.",
            count,
            seconds=f"{seconds:g}",
            pairs="; ".join(shown),
        )
    else:
        head = ngettext(
            "The plan has %(num)d repeated meeting: %(pairs)s.",
            "The plan has %(num)d repeated meetings: %(pairs)s.",
            count,
            pairs="; ".join(shown),
        )
    if accepted:
        return head + " " + _("The repeats were accepted.")
    return head + " " + _("You can search longer, plan fewer rounds or accept the repeats.")


def _rounds_message(issue: Issue, meeting: Any) -> str:
    """Too many rounds for the registered organisations to meet without repeats."""
    if meeting is not None:
        text = impossible_message(
            len(dict.fromkeys(meeting.attendance)),
            meeting.table_size,
            int(issue.value) if isinstance(issue.value, int) else meeting.rounds,
            meeting.format,
        )
        if text:
            return text
    found = re.search(r"at most (\d+)", issue.reason)
    return _("Impossible without repeats: the most rounds possible is %(most)s.", most=found.group(1) if found else "?")


def _pairs_message(issue: Issue, names: Mapping[str, str], orgs: list[str], pair: list[str]) -> str:
    """An issue with the pairs to meet (``must_meet``) or to keep apart (``must_not_meet``)."""
    code, fname, reason = issue.code, issue.field, issue.reason
    if code == "unknown_ref":
        return _("Not registered for this meeting: %(names)s.", names=_join(orgs))
    if code == "infeasible" and fname.startswith("must_not_meet"):
        return _(
            "%(a)s and %(b)s could not be kept apart in round %(round)s: there are too few other places.",
            a=pair[0],
            b=pair[1],
            round=_round(issue),
        )
    if code == "infeasible":
        return _(
            "%(a)s and %(b)s could not be seated together without breaking a locked table, a pair to be "
            "kept apart or the rule that no pair meets twice.",
            a=pair[0],
            b=pair[1],
        )
    if "also in must" in reason:
        return _("%(a)s and %(b)s are to meet and to be kept apart at the same time.", a=pair[0], b=pair[1])
    found = re.match(r"(\S+) must meet (\d+) organisations, but .* allow at most (\d+)", reason)
    if found:
        return _(
            "%(name)s is to meet more organisations (%(count)s) than the rounds of this meeting allow (%(most)s).",
            name=_name(names, found.group(1)),
            count=found.group(2),
            most=found.group(3),
        )
    found = re.search(r"need (\d+) organisations at one table .* at most (\d+)", reason)
    if found:
        return _(
            "These organisations are to meet in the only round but would need a table for %(count)s (a "
            "table seats at most %(most)s): %(names)s.",
            count=found.group(1),
            most=found.group(2),
            names=_join(list(dict.fromkeys(orgs))),
        )
    return _(
        "The pairs to meet or to keep apart cannot all be honoured: %(names)s.",
        names=_join(list(dict.fromkeys(orgs))),
    )


def _locked_message(issue: Issue, names: Mapping[str, str], orgs: list[str], pair: list[str]) -> str:
    """An issue with a table fixed by staff (``locked``)."""
    code, reason = issue.code, issue.reason
    rnd = _round(issue)
    if "would sit alone" in reason:
        found = re.search(r"only (\S+) is left", reason)
        return _(
            "Round %(round)s: only %(name)s is left outside the locked tables and would sit alone.",
            round=rnd,
            name=_name(names, found.group(1)) if found else "",
        )
    if "must_not_meet" in reason:
        return _("%(a)s and %(b)s sit together at a locked table but are to be kept apart.", a=pair[0], b=pair[1])
    if "two rounds" in reason:
        return _("%(a)s and %(b)s are locked together in two rounds, but no pair meets twice.", a=pair[0], b=pair[1])
    if "two tables" in reason:
        return _("Locked at two tables in round %(round)s: %(names)s.", round=rnd, names=_join(orgs))
    if code == "unknown_ref":
        return _("Not registered for this meeting: %(names)s.", names=_join(orgs))
    return _("A locked table does not fit the plan (round %(round)s).", round=rnd or "?")


def issue_message(issue: Issue, names: Mapping[str, str], meeting: Any = None) -> str:
    """One planner or meeting issue as a message in the current language, organisations by name."""
    code, fname, reason = issue.code, issue.field, issue.reason
    orgs = [_name(names, x) for x in _ids(issue.value)]
    pair = orgs[:2] if len(orgs) >= 2 else orgs + [""] * (2 - len(orgs))
    if code == "too_many_rounds" or (fname == "rounds" and "too many rounds" in reason):
        return _rounds_message(issue, meeting)
    if code == "future_meeting":
        return future_outcomes_message(str(issue.value))
    if fname == "attendance":
        if code == "too_few":
            return _("At least two organisations are needed to plan a meeting.")
        if code == "duplicate":
            return _("An organisation is registered twice.")
        if code == "unknown_ref":
            return _("Unknown organisation: %(id)s.", id=_join(orgs))
    if fname == "pair" and code == "unknown_ref":  # an outcome for an organisation that was not registered
        missing = reason.split(" was not registered")[0].split(", ")
        return _("Not registered for this meeting: %(names)s.", names=_join([_name(names, x) for x in missing]))
    if fname == "format":
        return _("Choose tables or 1:1 talks.")
    if fname == "table_size":
        return _("Seats per table must be between 2 and 8 (2 for 1:1 talks).")
    if fname == "rounds":
        return _("Enter a number of rounds from 1 to 20.")
    if fname in ("must_meet", "must_not_meet") or fname.startswith(("must_meet[", "must_not_meet[")):
        return _pairs_message(issue, names, orgs, pair)
    if fname.startswith("locked") or fname == "locked":
        return _locked_message(issue, names, orgs, pair)
    return _("The settings of this meeting cannot be planned (%(field)s).", field=fname)


def issue_messages(issues: Iterable[Issue], names: Mapping[str, str], meeting: Any = None) -> list[str]:
    """`issue_message` for each issue, each message once."""
    return list(dict.fromkeys(issue_message(i, names, meeting) for i in issues))
