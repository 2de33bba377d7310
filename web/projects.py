"""Joint projects, funding referral and workshops: plain functions over the store, no request, no click.

Loading the planning records (templates, workshops, proposals) and the JSON shapes and texts of
teams, funding matches and workshop proposals; shared by the pages (`web.views.projects`,
`web.views.funding`, `web.views.workshops`) and ``remo projects`` / ``remo funding`` / ``remo workshops``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask_babel import force_locale, gettext, ngettext

from graph import Vocabulary
from graph.planning import ProjectTemplate, Proposal, Workshop, merge_templates, parse_proposal, parse_workshop
from graph.store import GraphStore

from .i18n import join_list
from .reasons import reason_text

if TYPE_CHECKING:  # the engine (NumPy, SciPy) loads when a command or page uses it
    from matching import FundingResult, Team, WorkshopProposal

__all__ = [
    "funding_text",
    "funding_warning",
    "load_proposals",
    "load_templates",
    "load_workshops",
    "team_json",
    "tie_text",
    "workshop_json",
]


# ---------------------------------------------------------------------------
# loading planning records
# ---------------------------------------------------------------------------
def load_templates(store: GraphStore, vocab: Vocabulary | None = None) -> list[ProjectTemplate]:
    """Built-in templates plus those staff stored as ``project_template`` records."""
    return merge_templates([r.data for r in store.list("project_template")], vocab)


def load_workshops(store: GraphStore) -> list[Workshop]:
    out = []
    for rec in store.list("workshop"):
        w, _ = parse_workshop(rec.data, None, f"stored workshop {rec.id}")
        if w is not None:
            out.append(w)
    return out


def load_proposals(store: GraphStore) -> list[Proposal]:
    out = []
    for rec in store.list("proposal"):
        p, _ = parse_proposal(rec.data, None, f"stored proposal {rec.id}")
        if p is not None:
            out.append(p)
    return out


# ---------------------------------------------------------------------------
# rendering
# ---------------------------------------------------------------------------
def tie_text(tie: dict[str, Any] | None, vocab: Vocabulary, names: dict[str, str], lang: str) -> str:
    """A member's strongest tie as a sentence (call inside an app context)."""
    if not tie:
        return ""
    with force_locale(lang):
        if tie["kind"] == "existing_cooperation":
            why = gettext("already cooperating")
        else:
            why = reason_text(tie, vocab, names, lang)
        return gettext(
            "strongest tie: %(partner)s (%(why)s)", partner=names.get(tie["partner"], tie["partner"]), why=why
        )


def team_json(
    team: Team, template: ProjectTemplate | None, vocab: Vocabulary, names: dict[str, str], lang: str
) -> dict[str, Any]:
    """``Team.to_dict()`` plus names, role labels and tie texts in ``lang``.

    ``own_role_labels`` leaves out the roles every member fills (``shared_role_labels``, said once for
    the team); ``topic_text`` names the project's topics a member works on (the topic part of the score).
    """
    doc = team.to_dict()
    labels = {r.id: r.label(lang) for r in template.roles} if template else {}
    shared = set(doc.get("shared_roles", []))
    with force_locale(lang):
        for m in doc["members"]:
            m["name"] = names.get(m["org"], m["org"])
            m["role_labels"] = [labels.get(r, r) for r in m["roles"]]
            m["own_role_labels"] = [labels.get(r, r) for r in m["roles"] if r not in shared]
            topics = [vocab.label("topics", t, lang) for t in m.get("topics", [])]
            m["topic_text"] = gettext("works on %(items)s", items=", ".join(topics)) if topics else ""
            if m["tie"]:
                m["tie"]["text"] = tie_text(m["tie"], vocab, names, lang)
        doc["shared_role_labels"] = [labels.get(r, r) for r in doc.get("shared_roles", [])]
        doc["shared_text"] = (
            gettext("every member: %(items)s", items=", ".join(doc["shared_role_labels"]))
            if doc["shared_role_labels"]
            else ""
        )
    doc["role_labels"] = labels
    if template:
        doc["template_label"] = template.label(lang)
    return doc


def funding_warning(match: Any, programme_names: dict[str, str]) -> str:
    """The warning of a large programme for a first applicant, naming easier ones (app context)."""
    if match.warning != "large_for_first_application":
        return ""
    easier = [programme_names.get(p, p) for p in match.easier]
    if easier:
        return gettext(
            "large programme with a high effort; for a first application %(names)s would suit better",
            names=join_list(easier),
        )
    return gettext("large programme with a high effort; for a first application, ask the KI staff for help first")


def funding_text(res: FundingResult, vocab: Vocabulary, lang: str) -> list[str]:
    """Lines describing the matches, or plainly why none fits (inside an app context)."""
    lines: list[str] = []
    with force_locale(lang):
        if not res.matches:
            lines.append(gettext("No open funding programme fits right now."))
            why = {
                "deadline": gettext("deadline passed"),
                "region": gettext("other region"),
                "kind": gettext("not for this kind of organisation"),
                "legal_form": gettext("legal form not eligible (or not recorded)"),
                "no_match": gettext("funds other topics or needs"),
            }
            parts = [f"{why[k]}: {n}" for k, n in res.excluded.items() if n]
            checked = gettext("Programmes checked: %(n)s", n=res.total)
            lines.append(checked + (" – " + "; ".join(parts) if parts else ""))
            return lines
        if res.first_applicant:
            lines.append(gettext("Small programmes with little effort first, as suits a first application."))
        names = {m.programme: m.name for m in res.matches}
        for m in res.matches:
            when = (
                ngettext(
                    "deadline %(date)s (%(num)d day left)",
                    "deadline %(date)s (%(num)d days left)",
                    m.days_left,
                    date=m.deadline,
                )
                if m.deadline
                else gettext("applications any time")
            )
            lines.append(f"{m.name} – {m.funder} – {when}")
            if m.topics:
                lines.append(
                    "    "
                    + gettext(
                        "funds your topics: %(items)s",
                        items=", ".join(vocab.label("topics", t, lang) for t in m.topics),
                    )
                )
            if m.capabilities:
                lines.append(
                    "    "
                    + gettext(
                        "funds what you need: %(items)s",
                        items=", ".join(vocab.label("capabilities", c, lang) for c in m.capabilities),
                    )
                )
            if m.general:
                lines.append("    " + gettext("general programme, open to every eligible organisation"))
            if m.warning:
                lines.append("    ! " + funding_warning(m, names))
            if m.url:
                lines.append(f"    {m.url}")
    return lines


def workshop_json(p: WorkshopProposal, vocab: Vocabulary, names: dict[str, str], lang: str) -> dict[str, Any]:
    doc = p.to_dict()
    doc["label"] = p.title or vocab.label("capabilities", p.theme, lang)
    for x in doc["invitees"]:
        x["name"] = names.get(x["org"], x["org"])
    for x in doc["languages"]:
        x["label"] = vocab.label("languages", x["language"], lang)
    return doc
