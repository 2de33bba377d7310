"""Screenshots of the main pages in German and Arabic, taken in Debian's Chromium.

Usage::

    python bench/screenshots.py                      # writes docs/screenshots/*.png
    python bench/screenshots.py --out /tmp/shots     # somewhere else

Serves the demo network (with one user per role, as in the tests) from a temporary SQLite store on
127.0.0.1, opens each page as the role that sees it and saves the 1280×800 viewport (the directory also at
375×667, as on a phone, once with the menu folded and once opened). The PNGs are reduced to 256 colours
to stay small. Prints one line per file.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "Lange Ostertage am Bach 2025"
ORG = "elternnetzwerk-koepru"
USERS = {"rana": ("representative", [ORG]), "stefan": ("staff", [])}
ROLE_USER = {"representative": "rana", "staff": "stefan"}

# (file name, path, role, viewport width[, action]): phones (below 400 px) are 667 px high; the action
# "menu" opens the folded main menu first
SHOTS: list[tuple[str, ...] | tuple[str, str, str, int] | tuple[str, str, str, int, str]] = [
    ("start", "/", "anonymous", 1280),
    ("directory", "/directory", "anonymous", 1280),
    ("directory-mobile", "/directory", "anonymous", 375),
    ("menu-mobile", "/directory", "anonymous", 375, "menu"),
    ("profile", f"/org/{ORG}", "anonymous", 1280),
    ("suggestions", f"/org/{ORG}/suggestions", "representative", 1280),
    ("edit", f"/org/{ORG}/edit", "representative", 1280),
    ("desk", "/desk", "staff", 1280),
    ("map", "/map", "staff", 1280),
    ("present", "/map/present?step=2", "staff", 1280),
    ("brochure", "/brochure?lang={lang}", "anonymous", 1280),
]
LANGS = ("de", "ar")


def demo_app(folder: Path) -> Any:
    """The app on a new SQLite store in ``folder`` with the demo network and the users of `USERS`."""
    from web import create_app
    from web.users import create_user, hash_password

    app = create_app({"TESTING": True, "SECRET_KEY": "screenshots", "REMO_STORE": f"sqlite:///{folder}/shots.db"})
    result = app.test_cli_runner().invoke(args=["seed", "--demo"])
    if result.exit_code != 0:
        raise RuntimeError(result.output)
    store = app.extensions["remo_store"].store
    pw_hash = hash_password(PASSWORD)
    for name, (role, orgs) in USERS.items():
        create_user(store, name, role=role, organisations=orgs, password_hash=pw_hash, name=name.title())
    return app


def serve(app: Any) -> tuple[str, Any]:
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def small_png(data: bytes) -> bytes:
    """The screenshot with at most 256 colours (a third of the size, no visible loss for a UI)."""
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        out, format="PNG", optimize=True
    )
    return out.getvalue()


def take(browser: Any, origin: str, out: Path, shots: list[Any] = SHOTS) -> list[Path]:
    """Save every shot in every language into ``out``; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    contexts: dict[tuple[str, str], Any] = {}
    try:
        for lang in LANGS:
            for name, path, role, width, *action in shots:
                key = (role, lang)
                if key not in contexts:
                    context = browser.new_context(locale="de-DE", device_scale_factor=1)
                    page = context.new_page()
                    if role != "anonymous":
                        page.goto(f"{origin}/login")
                        page.fill("#username", ROLE_USER[role])
                        page.fill("#password", PASSWORD)
                        with page.expect_navigation():
                            page.press("#password", "Enter")
                    page.goto(f"{origin}/lang/{lang}?next=/", wait_until="networkidle")
                    page.close()
                    contexts[key] = context
                page = contexts[key].new_page()
                page.set_viewport_size({"width": width, "height": 800 if width > 400 else 667})
                response = page.goto(f"{origin}{path.replace('{lang}', lang)}")
                if response is None or response.status != 200:
                    raise RuntimeError(f"{path} as {role}: {response and response.status}")
                if "menu" in action:
                    page.click(".menu-toggle")
                target = out / f"{name}-{lang}.png"
                target.write_bytes(small_png(page.screenshot(full_page=False, animations="disabled")))
                written.append(target)
                page.close()
    finally:
        for context in contexts.values():
            context.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="folder for the PNGs")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        app = demo_app(Path(tmp))
        origin, server = serve(app)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    for path in take(browser, origin, args.out):
                        print(
                            f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  "
                            f"{path.stat().st_size // 1024} KiB"
                        )
                finally:
                    browser.close()
        finally:
            server.shutdown()
            app.extensions["remo_store"].close()
    print(f"{time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
