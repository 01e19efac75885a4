"""``trackrecord server``: its size limits reach the server and its store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import trackrecord.server.app
from trackrecord.cli import main
from trackrecord.event_schema import EventLimits
from trackrecord.server.settings import ServerLimits, ServerSettings


def test_the_limit_flags_set_the_server_and_its_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[ServerSettings] = []
    monkeypatch.setattr(trackrecord.server.app, "create_app", lambda s: served.append(s) or s)
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: None)
    monkeypatch.setattr("trackrecord.server.access_log.log_to_stderr", lambda: None)
    flags = [
        "--max-request-bytes",
        "1000",
        "--max-events-per-request",
        "7",
        "--max-keys-per-event",
        "5",
        "--max-value-bytes",
        "300",
        "--max-json-depth",
        "4",
    ]
    result = CliRunner().invoke(main, ["server", "--store", str(tmp_path / "s"), *flags])
    assert result.exit_code == 0, result.output
    events = EventLimits(keys_per_event=5, value_bytes=300, json_depth=4)
    assert served[0].limits == ServerLimits(1000, 7, events)
    store: Any = served[0].store
    assert store.limits == events  # the store accepts exactly what the server does


def test_the_limit_flags_have_sane_defaults_and_refuse_zero(tmp_path: Path) -> None:
    shown = CliRunner().invoke(main, ["server", "--help"]).output
    assert "--max-request-bytes" in shown and "67108864" in shown
    zero = CliRunner().invoke(main, ["server", "--store", str(tmp_path), "--max-json-depth", "0"])
    assert zero.exit_code == 2 and "--max-json-depth" in zero.output
