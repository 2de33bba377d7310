"""The printable brochure "Remscheider Migrantenorganisationen": print-CSS HTML and a PDF (fpdf2).

The content comes from `graph.privacy.brochure_data`, which only ever sees the
public projection of the network (public fields, persons with recorded
consent). This module adds the fixed texts (English msgids through Flask-Babel,
rendered inside ``force_locale(lang)``; German is the default) and the layout.

Fonts: the PDF embeds a Unicode TrueType font, looked up in this order:
``REMO_BROCHURE_FONT`` (app config, a path to a regular-weight ``.ttf``; a
``-Bold`` sibling is used for headings when present), Debian's DejaVu Sans
(``fonts-dejavu-core``), the DejaVu Sans that matplotlib ships. Without any,
German and English fall back to the PDF core font Helvetica (Latin-1 only:
other characters print as ``?``, and a warning is logged); other languages
raise `BrochureError` (use the HTML brochure).

Arabic (right to left) needs text shaping, which fpdf2 does with the optional
package ``uharfbuzz``; without it the Arabic brochure is available as HTML only
and the PDF raises `BrochureError`.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import current_app, render_template
from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _

from graph import Network, ReMoError, Vocabulary
from graph.privacy import brochure_data

from .events import regular_activities
from .i18n import RTL, UI_LANGUAGES, isolate, text_direction

__all__ = [
    "BrochureError",
    "brochure_context",
    "build_pdf",
    "find_font",
    "render_html",
    "render_pdf",
    "shaping_available",
]

log = logging.getLogger(__name__)

SYSTEM_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
CSS_FILE = Path(__file__).resolve().parent / "static" / "brochure.css"


class BrochureError(ReMoError):
    """The brochure cannot be produced as asked (no suitable font, no text shaping)."""

    code = "brochure"


# ---------------------------------------------------------------------------
# fixed texts
# ---------------------------------------------------------------------------
def texts(lang: str) -> dict[str, Any]:
    """The brochure's fixed texts in ``lang`` (call inside ``force_locale(lang)``)."""
    date = format_date(dt.date.today(), format="long")
    t: dict[str, Any] = {
        "title": _("Remscheid migrant organisations"),
        "kicker": _("Brochure"),
        "network": _("Network of migrant organisations in Remscheid – ReMo"),
        "publisher": _("Published by the Kommunales Integrationszentrum Remscheid"),
        "as_of": _("As of %(date)s", date=date),
        "contents": _("Contents"),
        # not "Introduction": that msgid is the UI's introduction of two organisations to each other
        "introduction": _("Introduction (chapter of the brochure)"),
        "mo": _("Migrant organisations"),
        "partners": _("Partners in the network"),
        "by_topic": _("Index by topic"),
        "by_district": _("Index by district"),
        "topics": _("Topics"),
        "offers": _("Offers"),
        "languages": _("Languages"),
        "district": _("District"),
        "target_groups": _("Target groups"),
        "contact": _("Contact"),
        "contacts": _("Contact persons"),
        "activities": _("Regular activities"),
        "founded": _("Founded"),
        "phone": _("Phone"),
        "email": _("Email"),
        "website": _("Website"),
        "address": _("Address"),
        "consent_note": _(
            "Contact persons are named only with their consent. All information as provided by the organisations."
        ),
        "list_sep": "، " if lang in RTL else ", ",
    }
    t["intro"] = [
        _(
            "In Remscheid, around thirty associations and initiatives of people with a migration history are "
            "active, most of them run by volunteers. They are places where art, culture and religion are kept "
            "alive, and they give their members a sense of security and belonging."
        ),
        _(
            "For people who have recently arrived, migrant organisations are often the first point of contact and "
            "a bridge into the city: they offer language courses, homework help, music and sports, information "
            "events and forums for exchange, and they represent the interests of their members."
        ),
        _(
            "The network ReMo, coordinated by the Kommunales Integrationszentrum (KI), brings these organisations "
            "together with each other and with partners in the city – integration agencies, welfare and youth "
            "associations, schools and public services – at exchange meetings twice a year, in workshops and in "
            "joint projects."
        ),
        _(
            "This brochure makes the organisations and what they offer visible. It lists every organisation with "
            "its topics, offers, languages and district, and how to get in touch. Two indexes at the end help you "
            "find organisations by topic and by district."
        ),
    ]
    return t


def _check_lang(lang: str) -> str:
    if lang not in UI_LANGUAGES:
        raise BrochureError(f"unknown language {lang!r}; use one of {', '.join(UI_LANGUAGES)}")
    return lang


def brochure_context(
    network: Network, vocab: Vocabulary | None, lang: str = "de", *, activities: bool = True
) -> dict[str, Any]:
    """Content (public data only) and fixed texts of the brochure in ``lang``, ready for a template.

    ``activities``: each entry also lists the organisation's regular activities (its public, published,
    recurring events) as ``activities``.
    """
    lang = _check_lang(lang)
    with force_locale(lang):
        b = brochure_data(network, vocab, lang)
        for e in b["entries"]:
            e["activities"] = regular_activities(network.events, e["id"]) if activities else []
        return {
            "b": b,
            "t": texts(lang),
            "page_lang": lang,
            "page_dir": text_direction(lang),
        }


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------
def render_html(network: Network, vocab: Vocabulary | None, lang: str = "de", *, standalone: bool = False) -> str:
    """The brochure as one HTML page with print CSS.

    ``standalone`` embeds the style sheet (for a file written by ``remo
    brochure``); otherwise the page links ``static/brochure.css`` (the web
    route, whose Content-Security-Policy forbids inline styles).
    """
    ctx = brochure_context(network, vocab, lang)
    css = CSS_FILE.read_text(encoding="utf-8") if standalone else None
    with force_locale(lang):
        return render_template("brochure/brochure.html", inline_css=css, **ctx)


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------
def find_font(config: Any = None) -> tuple[Path, Path | None] | None:
    """``(regular, bold or None)`` TrueType files for the PDF, or None when none is found (see module doc)."""
    candidates: list[Path] = []
    configured = (config or {}).get("REMO_BROCHURE_FONT")
    if configured:
        candidates.append(Path(configured))
    candidates.append(SYSTEM_FONT)
    spec = importlib.util.find_spec("matplotlib")
    if spec is not None and spec.origin:
        candidates.append(Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf")
    for regular in candidates:
        if regular.is_file():
            bold = regular.with_name(regular.stem + "-Bold" + regular.suffix)
            return regular, bold if bold.is_file() else None
    return None


def shaping_available() -> bool:
    """True when fpdf2 can shape text (Arabic) because ``uharfbuzz`` is installed."""
    return importlib.util.find_spec("uharfbuzz") is not None


ACCENT = (22, 94, 131)
MUTED = (80, 80, 80)


if TYPE_CHECKING:
    from fpdf import FPDF as _BrochurePDF

#: fpdf's "go to the start of the next line" (its XPos/YPos names; fpdf coerces them)
_NEXT_LINE = {"new_x": "LMARGIN", "new_y": "NEXT"}


@functools.cache
def _pdf_class() -> type:
    """The brochure's FPDF subclass, made on first use: importing fpdf takes 0.4 s, most commands never print."""
    from fpdf import FPDF

    class _BrochurePDF(FPDF):
        """FPDF with the brochure's header/footer; ``written`` keeps every text put on a page (for tests)."""

        def __init__(self, t: dict[str, Any], family: str, rtl: bool, latin1: bool) -> None:
            super().__init__(orientation="P", unit="mm", format="A4")
            self.t = t
            self.family = family
            self.rtl = rtl
            self.latin1 = latin1
            self.written: list[str] = []
            self.set_margins(20, 18, 20)
            self.set_auto_page_break(True, margin=20)

        @property
        def align(self) -> str:
            return "R" if self.rtl else "L"

        def isolate(self, text: str) -> str:
            """User-entered text inside a right-to-left page: in Unicode isolates, so "e.V." keeps its full stop."""
            return isolate(text) if self.rtl and text else text

        def clean(self, text: str) -> str:
            text = str(text)
            self.written.append(text)
            if self.latin1:
                text = text.replace("–", "-").replace("„", '"').replace("“", '"').replace("’", "'")
                text = text.encode("latin-1", "replace").decode("latin-1")
            return text

        def footer(self) -> None:
            if self.page_no() == 1:
                return
            self.set_y(-13)
            self.set_font(self.family, "", 8)
            self.set_text_color(*MUTED)
            self.cell(0, 5, self.clean(f"{self.t['title']} · {self.page_no()}"), align="C")
            self.set_text_color(0, 0, 0)

        # building blocks
        def heading(self, text: str, size: float = 18, *, section: bool = True) -> None:
            if section:
                self.start_section(self.clean(text) if self.latin1 else text)
            self.set_font(self.family, "B", size)
            self.set_text_color(*ACCENT)
            self.set_x(self.l_margin)
            self.multi_cell(0, size * 0.5, self.clean(text), align=self.align, **_NEXT_LINE)
            self.set_text_color(0, 0, 0)
            self.ln(3)

        def para(
            self, text: str, size: float = 10, *, style: str = "", color: tuple[int, int, int] | None = None
        ) -> None:
            if not text:
                return
            self.set_font(self.family, style, size)
            if color:
                self.set_text_color(*color)
            self.set_x(self.l_margin)
            self.multi_cell(0, size * 0.48, self.clean(text), align=self.align, **_NEXT_LINE)
            self.set_text_color(0, 0, 0)

        def field(self, label: str, value: str) -> None:
            if not value:
                return
            self.set_font(self.family, "B", 8)
            self.set_text_color(*ACCENT)
            self.multi_cell(0, 4, self.clean(label.upper()), align=self.align, **_NEXT_LINE)
            self.set_text_color(0, 0, 0)
            self.para(value, 9.5)
            self.ln(0.8)

    return _BrochurePDF


def _toc(pdf: _BrochurePDF, outline: list[Any]) -> None:
    pdf.heading(pdf.t["contents"], section=False)
    pdf.set_font(pdf.family, "", 11)
    for section in outline:
        if section.level > 0:
            continue
        name = section.name
        page = str(section.page_number)
        width = pdf.w - pdf.l_margin - pdf.r_margin
        pdf.set_x(pdf.l_margin)
        if pdf.rtl:
            pdf.cell(15, 7, pdf.clean(page), align="L")
            pdf.cell(width - 15, 7, pdf.clean(name), align="R", **_NEXT_LINE)
        else:
            pdf.cell(width - 15, 7, pdf.clean(name), align="L")
            pdf.cell(15, 7, pdf.clean(page), align="R", **_NEXT_LINE)


def _entry(pdf: _BrochurePDF, e: dict[str, Any]) -> int:
    """Write one organisation; returns the page it starts on."""
    t = pdf.t
    if pdf.will_page_break(55):
        pdf.add_page()
    start = pdf.page_no()
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.4)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(2.5)
    pdf.start_section(pdf.clean(e["name"]) if pdf.latin1 else e["name"], level=1)
    iso = pdf.isolate
    sep = t["list_sep"]
    pdf.para(iso(e["name"]), 13, style="B")
    kind = e["kind_label"] + (f" · {t['founded']} {e['founded']}" if e.get("founded") else "")
    pdf.para(kind, 9, color=MUTED)
    pdf.ln(1.5)
    pdf.para(iso(e["description"]), 10)
    pdf.ln(1.5)
    pdf.field(t["topics"], sep.join(e["topics"]))
    offers = [o["label"] + (f": {iso(o['detail'])}" if o["detail"] else "") for o in e["offers"]]
    pdf.field(t["offers"], "\n".join(f"• {o}" for o in offers))
    pdf.field(t["languages"], sep.join(e["languages"]))
    pdf.field(t["district"], sep.join(e["districts"]))
    contact = [
        iso(e["address"]),
        f"{t['phone']}: {iso(e['phone'])}" if e["phone"] else "",
        f"{t['email']}: {iso(e['email'])}" if e["email"] else "",
        iso(e["website"]),
    ]
    pdf.field(t["contact"], "\n".join(x for x in contact if x))
    people = []
    for c in e["contacts"]:
        line = sep.join(iso(x) for x in (c["name"], c["role"]) if x)
        reach = " · ".join(iso(x) for x in (c["email"], c["phone"]) if x)
        people.append(line + (f"\n{reach}" if reach else ""))
    pdf.field(t["contacts"], "\n".join(people))
    acts = [
        f"• {iso(a['title'])}: {a['when']}" + (f", {iso(a['place'])}" if a["place"] else "") for a in e["activities"]
    ]
    pdf.field(t["activities"], "\n".join(acts))
    pdf.ln(3)
    return start


def _index(
    pdf: _BrochurePDF, title: str, groups: list[tuple[str, list[tuple[str, str]]]], pages: dict[str, int]
) -> None:
    pdf.add_page()
    pdf.heading(title)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for label, orgs in groups:
        if pdf.will_page_break(14):
            pdf.add_page()
        pdf.set_font(pdf.family, "B", 10)
        pdf.set_text_color(*ACCENT)
        pdf.multi_cell(0, 5.5, pdf.clean(label), align=pdf.align, **_NEXT_LINE)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(pdf.family, "", 9)
        for org_id, name in orgs:
            page = str(pages.get(org_id, ""))
            if pdf.rtl:
                pdf.cell(12, 4.8, pdf.clean(page), align="L")
                pdf.cell(width - 12, 4.8, pdf.clean(isolate(name)), align="R", **_NEXT_LINE)
            else:
                pdf.cell(width - 12, 4.8, pdf.clean(name), align="L")
                pdf.cell(12, 4.8, pdf.clean(page), align="R", **_NEXT_LINE)
        pdf.ln(1.5)


def build_pdf(ctx: dict[str, Any], *, config: Any = None) -> _BrochurePDF:
    """Lay out the brochure (``brochure_context`` output) as an fpdf2 document."""
    b, t, lang = ctx["b"], ctx["t"], ctx["page_lang"]
    rtl = lang in RTL
    fonts = find_font(config if config is not None else current_app.config)
    if fonts is None:
        if lang not in ("de", "en"):
            raise BrochureError(
                "no Unicode TrueType font found for the PDF (install fonts-dejavu-core or set "
                "REMO_BROCHURE_FONT); use the HTML brochure instead"
            )
        log.warning("no Unicode font found; the PDF uses Helvetica (Latin-1 only)")
    if rtl and not shaping_available():
        raise BrochureError(
            "the Arabic PDF needs text shaping (pip install uharfbuzz); the HTML brochure (/brochure?lang=ar) "
            "works without it"
        )
    family = "helvetica"
    if fonts is not None:
        family = "remo"
    pdf = _pdf_class()(t, family, rtl, latin1=fonts is None)
    if fonts is not None:
        regular, bold = fonts
        pdf.add_font("remo", "", str(regular))
        pdf.add_font("remo", "B", str(bold or regular))
    if rtl:
        pdf.set_text_shaping(use_shaping_engine=True, direction="rtl", script="arab", language="ara")
    pdf.set_title(t["title"])
    pdf.set_author("Kommunales Integrationszentrum Remscheid")
    pdf.set_lang(lang)
    pdf.set_creator("ReMo")

    # cover
    pdf.add_page()
    pdf.set_fill_color(*ACCENT)
    pdf.rect(0, 0, pdf.w, 120, style="F")
    pdf.set_y(48)
    pdf.set_text_color(255, 255, 255)
    pdf.set_font(pdf.family, "", 14)
    pdf.multi_cell(0, 8, pdf.clean(t["kicker"]), align=pdf.align, **_NEXT_LINE)
    pdf.set_font(pdf.family, "B", 28)
    pdf.multi_cell(0, 13, pdf.clean(t["title"]), align=pdf.align, **_NEXT_LINE)
    pdf.set_y(135)
    pdf.set_text_color(0, 0, 0)
    pdf.para(t["network"], 14, style="B")
    pdf.ln(4)
    count = b["counts"]["organisations"]
    with force_locale(lang):
        pdf.para(ngettext("%(num)d organisation", "%(num)d organisations", count), 11)
    pdf.para(t["as_of"], 11)
    pdf.set_y(-45)
    pdf.para(t["publisher"], 10, color=MUTED)

    # contents, introduction
    pdf.add_page()
    pdf.insert_toc_placeholder(_toc, pages=1)  # moves on to the next page itself
    pdf.heading(t["introduction"])
    for paragraph in t["intro"]:
        pdf.para(paragraph, 11)
        pdf.ln(3)
    pdf.para(t["consent_note"], 9, color=MUTED)

    pages: dict[str, int] = {}
    for group in ("mo", "partners"):
        entries = b["groups"][group]
        if not entries:
            continue
        pdf.add_page()
        pdf.heading(t[group])
        for e in entries:
            pages[e["id"]] = _entry(pdf, e)
    _index(pdf, t["by_topic"], b["by_topic"], pages)
    _index(pdf, t["by_district"], b["by_district"], pages)
    return pdf


def render_pdf(network: Network, vocab: Vocabulary | None, lang: str = "de", *, config: Any = None) -> bytes:
    """The brochure as PDF bytes (see `build_pdf` for fonts and Arabic)."""
    ctx = brochure_context(network, vocab, lang)
    with force_locale(lang):
        return bytes(build_pdf(ctx, config=config).output())
