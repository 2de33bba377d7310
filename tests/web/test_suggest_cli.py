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


def test_weights_learn_store_and_reset(runner, demo_app):
    from matching import DEFAULT_WEIGHTS

    shown = json.loads(runner.invoke(args=["weights", "--json"]).output)
    assert shown["source"] == "defaults" and shown["weights"] == DEFAULT_WEIGHTS
    learned = json.loads(runner.invoke(args=["weights", "--learn", "--json"]).output)
    assert learned["source"] in {"outcomes", "history", "defaults"} and "fitted_at" in learned
    assert abs(sum(learned["weights"].values()) - 1.0) < 0.01 or learned["source"] == "defaults"
    store = demo_app.extensions["remo_store"].store
    from web.weights import weights_in_use

    with demo_app.app_context():
        assert weights_in_use(store) == learned["weights"]
    reset = json.loads(runner.invoke(args=["weights", "--reset", "--json"]).output)
    assert reset["source"] == "defaults"
