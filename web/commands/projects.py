"""``remo projects``, ``remo funding``, ``remo workshops``: joint projects, funding referral, workshops."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask.cli import with_appcontext
from flask_babel import force_locale, gettext, ngettext

from graph import NotFoundError

from ..extensions import get_store
from ..i18n import UI_LANGUAGES
from ..projects import funding_text, load_proposals, load_templates, load_workshops, team_json, workshop_json
from . import store_app
from .data import fail_cleanly

__all__ = ["COMMANDS"]


def _dump(doc: Any) -> None:
    click.echo(json.dumps(doc, ensure_ascii=False, indent=1))


def _names(snap: Any) -> dict[str, str]:
    return {o.id: o.name for o in snap.network.organisations}


def _unknown(what: str, value: str, hint: str) -> None:
    click.echo(f"Error: unknown {what} {value!r} ({hint})", err=True)
    sys.exit(2)


# ---------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------
@store_app
@click.command("projects")
@click.option("--template", "template_id", help="Team suggestions for this project template (id).")
@click.option("--org", "org_id", help="Build teams (or ideas) around this organisation.")
@click.option("--top", "k", type=click.IntRange(1, 50), default=5, show_default=True, help="How many teams or ideas.")
@click.option("--today", help="Day for funding deadlines (YYYY-MM-DD, default today).")
@click.option("--lang", type=click.Choice(UI_LANGUAGES), default="de", show_default=True, help="Language of texts.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON with ids.")
@with_appcontext
@fail_cleanly
def projects_cmd(
    template_id: str | None, org_id: str | None, k: int, today: str | None, lang: str, as_json: bool
) -> None:
    """Joint projects: project ideas from the network, or teams for a template.

    Without options: project ideas (groups with shared topics and unmet needs, a template, a team
    and funding). With --template: the best teams for it (around --org if given). With only --org:
    the best team around it for every template. Unknown template or organisation: exit code 2.
    """
    from matching import TeamBuilder, project_ideas

    store = get_store()
    snap = store.snapshot()
    vocab = snap.vocabulary
    names = _names(snap)
    templates = {t.id: t for t in load_templates(store, vocab)}
    if org_id and org_id not in snap.index:
        _unknown("organisation", org_id, "see 'remo orgs list'")
    if template_id and template_id not in templates:
        _unknown("template", template_id, "known: " + ", ".join(sorted(templates)))
    with force_locale(lang):
        if template_id or org_id:
            builder = TeamBuilder(k=k).fit(snap)
            chosen = [templates[template_id]] if template_id else list(templates.values())
            results = []
            for tpl in chosen:
                teams = builder.suggest(tpl, around=org_id, k=k if template_id else 1)
                results.extend((tpl, t) for t in teams)
            if not template_id:
                results.sort(key=lambda x: -x[1].score)
                results = results[:k]
            docs = [team_json(t, tpl, vocab, names, lang) for tpl, t in results]
            if as_json:
                _dump({"template": template_id, "organisation": org_id, "teams": docs})
                return
            if not docs:
                click.echo(gettext("No team can fill every role of this template."))
            for n, doc in enumerate(docs, start=1):
                mixed = " · " + gettext("MO and institution") if doc["mixed"] else ""
                click.echo(f"{n}. {doc['template_label']}  [{doc['score']:.2f}]{mixed}")
                if doc["shared_text"]:
                    click.echo(f"    ({doc['shared_text']})")
                for m in doc["members"]:
                    own = ", ".join(m["own_role_labels"]) or ("" if m["roles"] else gettext("initiator"))
                    line = " · ".join(x for x in (own, m["topic_text"]) if x)
                    click.echo(f"    {m['name']}" + (f" – {line}" if line else ""))
                    if m["tie"]:
                        click.echo(f"        {m['tie']['text']}")
            return
        ideas = project_ideas(snap, list(templates.values()), k=k, today=today)
        docs = []
        for idea in ideas:
            tpl = templates[idea.template]
            doc = idea.to_dict()
            doc["template_label"] = tpl.label(lang)
            doc["team"] = team_json(idea.team, tpl, vocab, names, lang)
            docs.append(doc)
        if as_json:
            _dump({"ideas": docs})
            return
        if not docs:
            click.echo(gettext("No project ideas yet: add topics and needs to the profiles."))
        for n, (idea, doc) in enumerate(zip(ideas, docs, strict=True), start=1):
            click.echo(f"{n}. {doc['template_label']}  [{idea.score:.2f}]")
            topics = ", ".join(vocab.label("topics", t, lang) for t in idea.topics[:5])
            click.echo("    " + gettext("shared topics: %(items)s", items=topics))
            if idea.needs:
                needs = ", ".join(
                    f"{vocab.label('capabilities', x['capability'], lang)} ({x['organisations']})"
                    for x in idea.needs[:4]
                )
                click.echo("    " + gettext("shared unmet needs: %(items)s", items=needs))
            shared = doc["team"]["shared_text"]
            click.echo("    " + gettext("team:") + (f" ({shared})" if shared else ""))
            for m in doc["team"]["members"]:
                own = ", ".join(m["own_role_labels"])
                click.echo(f"      {m['name']}" + (f" – {own}" if own else ""))
            funds = ", ".join(m.name for m in idea.funding.matches[:3]) or gettext("none open")
            click.echo("    " + gettext("funding: %(items)s", items=funds))


@store_app
@click.command("funding")
@click.argument("org")
@click.option("--today", help="Day for deadlines (YYYY-MM-DD, default today).")
@click.option("--lang", type=click.Choice(UI_LANGUAGES), default="de", show_default=True, help="Language of texts.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON with ids.")
@with_appcontext
@fail_cleanly
def funding_cmd(org: str, today: str | None, lang: str, as_json: bool) -> None:
    """Open funding programmes ORG may apply to, with the reasons; says why when none fits.

    Unknown organisation: exit code 2.
    """
    from matching import funding_for_org

    snap = get_store().snapshot()
    try:
        res = funding_for_org(snap, org, today=today)
    except NotFoundError:
        _unknown("organisation", org, "see 'remo orgs list'")
        return
    if as_json:
        _dump({"organisation": org, **res.to_dict()})
        return
    with force_locale(lang):
        click.echo(gettext("Funding programmes for %(name)s", name=snap.orgs[org].name))
    for line in funding_text(res, snap.vocabulary, lang):
        click.echo("  " + line)


@store_app
@click.command("workshops")
@click.option("--top", "k", type=click.IntRange(1, 100), default=10, show_default=True, help="How many proposals.")
@click.option("--today", help="Day that separates held from planned workshops (default today).")
@click.option("--lang", type=click.Choice(UI_LANGUAGES), default="de", show_default=True, help="Language of texts.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON with ids.")
@with_appcontext
@fail_cleanly
def workshops_cmd(k: int, today: str | None, lang: str, as_json: bool) -> None:
    """Workshop proposals from the network's needs and the representatives' proposals, ranked.

    Organisations that attended a workshop on a theme are not invited again for it.
    """
    from matching import workshop_proposals

    store = get_store()
    snap = store.snapshot()
    vocab = snap.vocabulary
    names = _names(snap)
    props = workshop_proposals(snap, workshops=load_workshops(store), proposals=load_proposals(store), today=today, k=k)
    docs = [workshop_json(p, vocab, names, lang) for p in props]
    if as_json:
        _dump({"proposals": docs})
        return
    with force_locale(lang):
        if not docs:
            click.echo(gettext("No workshop needs found."))
        for n, doc in enumerate(docs, start=1):
            mos = doc["migrant_organisations"]
            click.echo(
                f"{n:2}. {doc['label']}  [{doc['score']:.1f}] – "
                + gettext(
                    "%(orgs)s (%(mos)s)",
                    orgs=ngettext("%(num)d organisation", "%(num)d organisations", doc["organisations"]),
                    mos=ngettext("%(num)d migrant organisation", "%(num)d migrant organisations", mos),
                )
            )
            if doc["proposals"]:
                click.echo("      " + gettext("proposed by representatives: %(ids)s", ids=", ".join(doc["proposals"])))
            langs = ", ".join(f"{x['label']} ({x['organisations']})" for x in doc["languages"][:6])
            click.echo("      " + gettext("languages: %(items)s", items=langs))
            click.echo("      " + gettext("invite: %(items)s", items=", ".join(x["name"] for x in doc["invitees"])))


COMMANDS = [projects_cmd, funding_cmd, workshops_cmd]
