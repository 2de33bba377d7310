import json


def test_suggest_json_for_every_organisation(runner, demo_app):
    store = demo_app.extensions["remo_store"].store
    snap = store.snapshot()
    result = runner.invoke(args=["suggest", "--all", "--top", "10", "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [d["organisation"] for d in lines] == snap.org_ids
    for doc in lines:
        partners = set(snap.partners(doc["organisation"]))
        assert len(doc["suggestions"]) == 10, doc["organisation"]
        for s in doc["suggestions"]:
            assert s["partner"] not in partners and s["partner"] != doc["organisation"]
            assert isinstance(s["score"], float)
            assert s["reasons"] and all(r["kind"] and r["text"] for r in s["reasons"])


def test_suggest_one_in_english_and_unknown(runner, demo_app):
    org = demo_app.extensions["remo_store"].store.snapshot().org_ids[0]
    result = runner.invoke(args=["suggest", org, "--top", "3", "--lang", "en", "--json"])
    doc = json.loads(result.output)
    assert doc["organisation"] == org and len(doc["suggestions"]) == 3
    texts = [r["text"] for s in doc["suggestions"] for r in s["reasons"]]
    assert texts and all(t and "%(" not in t for t in texts)
    plain = runner.invoke(args=["suggest", org, "--top", "3"])
    assert plain.exit_code == 0 and " 1. " in plain.output
    missing = runner.invoke(args=["suggest", "gibt-es-nicht"])
    assert missing.exit_code == 2 and "unknown organisation 'gibt-es-nicht'" in missing.output
    both = runner.invoke(args=["suggest"])
    assert both.exit_code == 2


def test_weights_are_fitted_automatically_and_shown(runner, demo_app):
    from matching import DEFAULT_WEIGHTS

    shown = json.loads(runner.invoke(args=["weights", "--json"]).output)
    assert shown["source"] in {"outcomes", "history", "defaults"}
    assert {"n_samples", "cv_gain", "cv_score", "cv_default", "used", "generation"} <= set(shown)
    assert shown["weights"] == (shown["learned"] if shown["used"] else DEFAULT_WEIGHTS)
    assert shown["used"] == (shown["cv_gain"] > 0)
    assert abs(sum(shown["weights"].values()) - 1.0) < 1e-6
    store = demo_app.extensions["remo_store"].store
    from web.weights import weights_in_use

    with demo_app.app_context():
        assert weights_in_use(store) == shown["weights"]
    again = json.loads(runner.invoke(args=["weights", "--learn", "--json"]).output)
    assert again["weights"] == shown["weights"]  # the fit is deterministic
    text = runner.invoke(args=["weights"]).output
    assert "cross-validated gain over the defaults" in text and "samples" in text
    reset = runner.invoke(args=["weights", "--reset", "--learn"])
    assert reset.exit_code == 2


def test_suggest_all_streams_the_same_lines_and_reports_progress(demo_app):
    from click.testing import CliRunner

    from matching import suggest_all
    from web.reasons import render_suggestions
    from web.weights import weights_in_use

    store = demo_app.extensions["remo_store"].store
    snap = store.snapshot()
    names = {o.id: o.name for o in snap.network.organisations}
    with demo_app.app_context():
        results = suggest_all(snap, 10, weights=weights_in_use(store))
        want = [
            json.dumps(
                render_suggestions(
                    {"organisation": o, "suggestions": [s.to_dict() for s in results[o]]}, snap.vocabulary, names, "de"
                ),
                ensure_ascii=False,
            )
            for o in snap.org_ids
        ]
    separate = {"mix_stderr": False} if "mix_stderr" in CliRunner.__init__.__code__.co_varnames else {}
    runner = demo_app.test_cli_runner(**separate)
    result = runner.invoke(args=["suggest", "--all", "--json", "--progress"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == want
    assert "suggest --all: 100 %" in result.stderr
    quiet = runner.invoke(args=["suggest", "--all", "--json"])
    assert quiet.stdout == result.stdout and "suggest --all" not in quiet.stderr
