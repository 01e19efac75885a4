"""A model version's compliance over HTTP: the Annex IV document in three formats, signatures,
policies and retention, each for readers of the model's project only."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import trackrecord
from tests.server_thread import serving
from trackrecord.compliance.annex_iv import write_report
from trackrecord.server.settings import ServerSettings
from trackrecord.signing import generate_key, sign
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.accounts import SqlAccounts
from trackrecord.store.sql.retention import SqlRetention
from trackrecord.store.sql.signoffs import SqlSignoffs


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, dict[str, str]]]:
    """Model 'credit' v1 in project 'bank', signed by alice, on the market, under a hold;
    alice views 'bank', carol only 'other'."""
    monkeypatch.setenv("TRACKRECORD_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("USER", "alice")
    monkeypatch.setenv("LOGNAME", "alice")
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"x": rng.normal(size=200)})
    data["y"] = (data.x + rng.normal(scale=0.5, size=200) > 0).astype(int)
    with trackrecord.init("bank", dir=tmp_path / "store", capture=False) as run:
        run.log_model(LogisticRegression().fit(data[["x"]], data["y"]), "clf", register="credit")
    store = SqlStore.open(tmp_path / "store")
    key = generate_key()
    SqlSignoffs(store.database).register_key("alice", key.public_key)
    sign(store, "model:credit/1", key_id=key.id)
    SqlRetention(store).place_on_market("credit", 1, "alice", reason="release 1")
    SqlRetention(store).hold("model:credit/1", "case 7", "alice")
    written = write_report(
        trackrecord.Api.over(store), "models:/credit/1", None, tmp_path / "documents", verify=False
    )  # kept: the version is held
    assert written
    accounts = SqlAccounts(store.database)
    accounts.create_user("alice")
    accounts.grant("alice", "bank", "viewer")
    accounts.create_user("carol")
    accounts.grant("carol", "other", "editor")
    tokens = {who: accounts.create_token(who)[1] for who in ("alice", "carol")}
    with serving(ServerSettings.for_store(store)) as url:
        yield url, tokens
    store.close()


def test_readers_get_the_document_signatures_and_retention(
    served: tuple[str, dict[str, str]],
) -> None:
    url, tokens = served
    base = "/api/v1/models/credit"
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {tokens['alice']}"},
                      timeout=60) as alice:  # fmt: skip
        document = alice.get(f"{base}/versions/1/annex-iv").json()
        assert document["subject"]["model"] == "credit" and len(document["items"]) == 9
        html = alice.get(f"{base}/versions/1/annex-iv", params={"format": "html"})
        assert html.headers["content-type"].startswith("text/html") and "Annex IV" in html.text
        pdf = alice.get(f"{base}/versions/1/annex-iv", params={"format": "pdf"})
        assert (
            pdf.content.startswith(b"%PDF") and "attachment" in pdf.headers["content-disposition"]
        )
        (signature,) = alice.get("/api/v1/signatures", params={"target": "model:credit/1"}).json()
        assert (signature["signer"], signature["valid"]) == ("alice", True)
        kept = alice.get(f"{base}/versions/1/retention").json()
        assert kept["placed"]["actor"] == "alice" and kept["holds"][0]["reason"] == "case 7"
        assert kept["log_retention"] == "6 months" and kept["placed"]["retention_days"] >= 3652
        (documents,) = kept["kept"]
        digest = documents["files"][0]["sha256"]
        got = alice.get(f"{base}/versions/1/kept/{digest}")
        assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == digest
        assert alice.get(f"{base}/versions/1/kept/{'0' * 64}").status_code == 404
        assert alice.get(f"{base}/versions/1/kept/nope").status_code == 400
        assert alice.get(f"{base}/policies").json() == {}
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {tokens['carol']}"}
    ) as carol:
        assert carol.get(f"{base}/versions/1/annex-iv").status_code == 404
        assert carol.get(f"{base}/versions/1/kept/{digest}").status_code == 404
        assert (
            carol.get("/api/v1/signatures", params={"target": "model:credit/1"}).status_code == 404
        )
