"""The compliance page of a model version: Annex IV completeness by item, the latest
evaluation's verdicts, sign-offs against the policies, retention, the document's
downloads and "Verify now", on a store seeded with the real SDK (evaluate, sign,
require_signoffs, place on market, hold)."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest

import trackrecord
from tests.ui.conftest import SCREENSHOTS, Tab
from trackrecord.server.settings import ServerSettings
from trackrecord.store.sql import SqlStore

MODEL: Final = "credit-model"
PAGE: Final = f"/compliance/{MODEL}/1"
WORDS: Final = {
    "pass": "PASS",
    "fail": "FAIL",
    "inconclusive": "INCONCLUSIVE",
    "none": "no criteria",
}


@dataclass
class Complied:
    """credit-model v1: evaluated against criteria, approved by alice (production needs 2),
    its evaluation reviewed by bob, on the market, and on hold."""

    directory: Path
    evaluation: Any
    until: int
    hold_id: str


def seed_compliance(root: Path, monkeypatch: pytest.MonkeyPatch) -> Complied:
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    from trackrecord.signing import generate_key, sign
    from trackrecord.store.sql.retention import SqlRetention
    from trackrecord.store.sql.signoffs import SqlSignoffs

    directory = root / ".trackrecord"
    rng = np.random.default_rng(0)
    n = 1200
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n),
                       "sex": rng.choice(["F", "M"], n)})  # fmt: skip
    df["y"] = (df.x1 + 0.5 * df.x2 + rng.normal(scale=0.8, size=n) > 0).astype(int)
    train, hold = df.iloc[:800], df.iloc[800:].copy()
    with trackrecord.init("credit", dir=directory, capture=False) as run:
        run.log_dataset(train, "credit", role="train")
        clf = LogisticRegression().fit(train[["x1", "x2"]], train["y"])
        run.log_model(clf, "clf", register=MODEL)
    monkeypatch.setenv("TRACKRECORD_DIR", str(directory))
    target = f"models:/{MODEL}/1"
    trackrecord.criteria(target, [trackrecord.Criterion("accuracy", ">=", 0.6),
                                  trackrecord.Criterion("recall", ">=", 0.5, group="sex")],
                         reason="credit policy")  # fmt: skip
    evaluated = trackrecord.evaluate(
        target, reference=hold, label="y", groups=["sex"], dataset_name="credit-holdout",
        n_resamples=50, seed=0,
    )  # fmt: skip
    api = trackrecord.Api(dir=directory)
    api.require_signoffs(MODEL, "production", 2)
    keeper = SqlRetention(api.store)
    until = keeper.place_on_market(MODEL, 1, "alice")
    made = keeper.hold(f"model:{MODEL}/1", "case 1", "alice")
    signoffs = SqlSignoffs(api.store.database)
    for user, target_id, meaning in (("alice", f"model:{MODEL}/1", "approve"),
                                     ("bob", f"evaluation:{evaluated.id}", "review")):  # fmt: skip
        key = generate_key(root / "keys" / user)
        signoffs.register_key(user, key.public_key)
        sign(api.store, target_id, key_id=key.id, meaning=meaning,
             keys_directory=root / "keys" / user)  # fmt: skip
    record = api.evaluation(evaluated.id)
    api.close()
    return Complied(directory, record, until, made.id)


@pytest.fixture(scope="module")
def complied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Complied]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield seed_compliance(tmp_path_factory.mktemp("compliance"), monkeypatch)


@pytest.fixture(scope="module")
def url(complied: Complied) -> Iterator[str]:
    from tests.server_thread import serving

    store = SqlStore.open(complied.directory)
    with serving(ServerSettings.for_store(store, auth=False)) as base:
        yield base
    store.close()


def fetch(address: str) -> tuple[str, bytes]:
    """The content type and body of a GET."""
    with urllib.request.urlopen(address, timeout=60) as response:
        assert response.status == 200
        return response.headers.get_content_type(), response.read()


def snapshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"compliance_{name}.png"), full_page=True)


def test_completeness_by_item_with_missing_fields(tab: Tab, url: str) -> None:
    _, body = fetch(f"{url}/api/v1/models/{MODEL}/versions/1/annex-iv")
    doc = json.loads(body)
    total = doc["completeness"]["total"]
    assert total["missing"] > 0 and total["automatic"] > 0  # the premise: partly filled
    page = tab.page
    page.goto(f"{url}{PAGE}")
    filled = total["automatic"] + total["attached"] + total["manual"]
    assert (
        page.get_by_test_id("filled").inner_text() == f"{filled} of {total['fields']} fields filled"
    )
    table = page.get_by_label("Completeness by item")
    labels = {f["key"]: f["label"] for item in doc["items"] for f in item["fields"]}
    for row in doc["completeness"]["items"]:
        line = table.locator(f'tr[data-item="{row["item"]}"]')
        for source in ("automatic", "attached", "manual", "missing"):
            assert line.locator(f'[data-count="{source}"]').inner_text() == str(row[source])
        assert line.get_by_role("progressbar").get_attribute("aria-valuenow") == str(
            round(100 * (row["fields"] - row["missing"]) / row["fields"])
        )
    first = doc["completeness"]["items"][0]
    table.locator('tr[data-item="1"] details summary').click()
    listed = page.get_by_label("Missing in item 1").locator("li")
    assert listed.evaluate_all("ls => ls.map(l => l.dataset.key)") == first["missing_fields"]
    assert labels[first["missing_fields"][0]] in listed.first.inner_text()
    command = f"trackrecord report annex-iv models:/{MODEL}/1 --manual provider.yaml"
    assert page.locator("code.command", has_text=command).count() == 1
    snapshot(page, "page")


def test_verdicts_signoffs_and_retention(tab: Tab, url: str, complied: Complied) -> None:
    page, record = tab.page, complied.evaluation
    page.goto(f"{url}{PAGE}")
    latest = page.locator(f'.latest-evaluation[data-evaluation="{record.id}"]')
    latest.wait_for()
    assert latest.locator(".eval-status").first.inner_text() == WORDS[record.status]
    assert latest.locator("a.evaluation-link").get_attribute("href") == f"/evaluations/{record.id}"
    tops = [v for v in record.verdicts if v["scope"] != "group"]
    criteria = page.get_by_label("Criteria").locator(":scope > li")
    assert criteria.count() == len(tops) == 2
    for item, verdict in zip(criteria.all(), tops, strict=True):
        assert item.locator(".outcome").first.inner_text() == verdict["outcome"]

    alice = page.get_by_label("Signatures on v1").locator('tr[data-signer="alice"]')
    assert alice.locator(".check").inner_text() == "valid"
    assert alice.locator(".meaning").inner_text() == "approve"
    production = page.get_by_label("Sign-off policies").locator('li[data-alias="production"]')
    assert "needs 2" in production.inner_text()
    assert production.locator(".approvers").inner_text() == "alice"
    assert production.locator(".needed").inner_text() == "1 more sign-off needed"
    bob = page.get_by_label(f"Signatures on evaluation {record.id}").locator(
        'tr[data-signer="bob"]'
    )
    assert bob.locator(".check").inner_text() == "valid"
    assert bob.locator(".meaning").inner_text() == "review"
    assert (
        page.locator("code.command", has_text=f"trackrecord sign model models:/{MODEL}/1").count()
        == 1
    )

    market = page.get_by_test_id("market")
    assert "On the market" in market.inner_text()
    year = dt.datetime.fromtimestamp(complied.until / 1000, dt.timezone.utc).year
    assert page.get_by_test_id("kept-until").inner_text().startswith(f"{year}-")
    hold = page.get_by_label("Legal holds").locator(f'li[data-hold="{complied.hold_id}"]')
    assert "case 1" in hold.inner_text() and "alice" in hold.inner_text()
    page.get_by_test_id("market").scroll_into_view_if_needed()
    snapshot(page, "signoffs")


def test_downloads_answer_with_their_content_types(tab: Tab, url: str) -> None:
    page = tab.page
    page.goto(f"{url}{PAGE}")
    links = page.get_by_role("group", name="Download the Annex IV document").locator("a.download")
    links.first.wait_for()
    targets = links.evaluate_all("as => as.map(a => a.getAttribute('href'))")
    hrefs = dict(zip(links.all_inner_texts(), targets, strict=True))
    assert set(hrefs) == {"HTML", "PDF", "JSON"}
    kind, body = fetch(url + hrefs["HTML"])
    assert kind == "text/html" and MODEL.encode() in body
    kind, body = fetch(url + hrefs["PDF"])
    assert kind == "application/pdf" and body.startswith(b"%PDF")
    kind, body = fetch(url + hrefs["JSON"])
    assert kind == "application/json" and json.loads(body)["subject"]["model"] == MODEL
    assert links.filter(has_text="HTML").get_attribute("target") == "_blank"


def test_verify_now_shows_ok(tab: Tab, url: str) -> None:
    page = tab.page
    page.goto(f"{url}{PAGE}")
    assert page.locator(".verification").count() == 0
    page.get_by_role("button", name="Verify now").click()
    result = page.locator(".verification")
    result.wait_for(timeout=60_000)
    assert result.get_attribute("data-ok") == "true"
    assert result.locator(".verify-result").inner_text() == "OK"
    assert ", 0 failed" in result.inner_text()
    result.scroll_into_view_if_needed()
    snapshot(page, "verified")


def test_model_page_links_each_version_to_its_compliance_page(tab: Tab, url: str) -> None:
    page = tab.page
    page.goto(f"{url}/models/{MODEL}")
    link = page.locator('tr[data-version="1"] a.compliance-link')
    assert link.get_attribute("href") == PAGE
    link.click()
    page.get_by_test_id("filled").wait_for()
    assert page.url.endswith(PAGE)
    assert page.get_by_role("heading", level=1).inner_text().startswith(f"{MODEL} v1")
