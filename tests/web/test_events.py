"""Events on the web: the workflow (draft, submit, publish, send back, cancel, trust), the public calendar
with its filters, event pages with JSON-LD, profile and directory cards, feeds and the API."""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest

from .conftest import ORG, OTHER_ORG, csrf_token, login, post

BERLIN = ZoneInfo("Europe/Berlin")


def next_weekday(weekday: int, *, weeks: int = 1) -> dt.date:
    """A date ``weeks`` weeks ahead on ``weekday`` (0 = Monday)."""
    today = dt.datetime.now(BERLIN).date()
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7 + 7 * (weeks - 1) or 7)


def event_form(**over) -> dict:
    day = next_weekday(1)
    data = {
        "title": "Sprachcafé am Dienstag",
        "description": "Deutsch üben bei Tee und Gebäck.",
        "lang": "de",
        "start": f"{day.isoformat()}T16:00",
        "end": f"{day.isoformat()}T18:00",
        "repeat": "weekly",
        "rrule": "",
        "repeat_until": "",
        "exdates": (day + dt.timedelta(days=14)).isoformat(),
        "place_name": "Stadtteilzentrum",
        "address": "Hauptstraße 1, 42853 Remscheid",
        "district": "alt_remscheid",
        "accessible": "yes",
        "languages": ["de", "tr"],
        "topics": ["language_courses"],
        "target_groups": ["women"],
        "free": "y",
        "amount": "",
        "cost_note": "",
        "registration": "none",
        "registration_url": "",
        "registration_contact": "",
        "visibility": "public",
        "version": "",
        "title_en": "Language café on Tuesdays",
        "action": "submit",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def submit_event(client, org=ORG, **over):
    return post(client, f"/org/{org}/events/new", event_form(**over), token_from=f"/org/{org}/events/new")


def test_smoke(web_client, web_store):
    login(web_client, "rana")
    resp = submit_event(web_client)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
