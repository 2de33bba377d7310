"""Six anonymous clients downloading maps and brochures do not slow the directory down by orders of magnitude.

Before the render cache every ``/map/public.png`` cost 0.8 s of CPU and brochures in alternating
languages were laid out again each time, so a few clients pushed the directory's median from
milliseconds to seconds.
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time

import pytest

from tests.web.conftest import make_web_app

HEAVY = ["/map/public.png", "/brochure.pdf?lang=ar", "/map/public.svg", "/brochure?lang=tr", "/brochure.pdf?lang=de"]


def _get(port: int, path: str) -> tuple[int, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status, time.perf_counter() - started
    finally:
        conn.close()


def _median(port: int, n: int) -> float:
    times = []
    for _ in range(n):
        status, took = _get(port, "/")
        assert status == 200
        times.append(took)
    return statistics.median(times)


@pytest.mark.slow
def test_six_anonymous_clients_keep_the_directory_fast(template_db, tmp_path):
    from werkzeug.serving import make_server

    app = make_web_app(template_db, tmp_path)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.server_port
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        for path in HEAVY:  # the first request of each renders it once
            assert _get(port, path)[0] == 200, path
        _median(port, 3)  # warm the directory's page cache
        alone = _median(port, 15)
        stop = threading.Event()
        statuses: list[int] = []

        def client(offset: int) -> None:
            i = offset
            while not stop.is_set():
                statuses.append(_get(port, HEAVY[i % len(HEAVY)])[0])
                i += 1

        clients = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(6)]
        for t in clients:
            t.start()
        time.sleep(0.2)
        loaded = _median(port, 15)
        stop.set()
        for t in clients:
            t.join(timeout=60)
        assert statuses and set(statuses) == {200}, sorted(set(statuses))
        print(
            f"directory median alone {alone * 1000:.1f} ms, with 6 clients {loaded * 1000:.1f} ms, "
            f"{len(statuses)} heavy requests served"
        )
        assert loaded < max(20 * alone, 0.25), (alone, loaded)
    finally:
        server.shutdown()
        app.extensions["remo_store"].close()
