"""``trackrecord ui``: a local server on the embedded store, in a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.server_thread import free_port
from tests.ui.conftest import seed

TRACKRECORD = str(Path(sys.executable).with_name("trackrecord"))  # the installed command


def _wait_for(url: str, process: subprocess.Popen[str], timeout: float = 20.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                out, _ = process.communicate(timeout=5)
                raise AssertionError(f"trackrecord ui did not serve {url}:\n{out}") from None
            time.sleep(0.1)


def test_ui_serves_the_app_on_the_found_store(tmp_path: Path) -> None:
    seeded = seed(tmp_path / ".trackrecord", {"only": (0.1, 0.2)})
    port = free_port()
    env = {**os.environ, "TRACKRECORD_DIR": "", "TRACKRECORD_URI": ""}
    process = subprocess.Popen(
        [TRACKRECORD, "ui", "--no-browser", "--port", str(port)],
        cwd=tmp_path,  # found like the SDK finds it: .trackrecord here
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        page = _wait_for(f"http://127.0.0.1:{port}/", process)
        assert page.status_code == 200
        assert "<title>TrackRecord</title>" in page.text
        runs = httpx.get(f"http://127.0.0.1:{port}/api/v1/runs", timeout=5).json()["runs"]
        assert [run["id"] for run in runs] == [seeded.ids["only"]]
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
    assert f"TrackRecord UI on http://127.0.0.1:{port}" in out


def test_ui_without_a_store_says_how_to_make_one(tmp_path: Path) -> None:
    env = {**os.environ, "TRACKRECORD_DIR": ""}
    done = subprocess.run(
        [TRACKRECORD, "ui", "--no-browser"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 2
    assert "no TrackRecord store" in done.stderr and "TRACKRECORD_DIR" in done.stderr


def test_ui_refuses_a_public_address(tmp_path: Path) -> None:
    seed(tmp_path / ".trackrecord", {"only": (0.1, 0.2)})
    done = subprocess.run(
        [TRACKRECORD, "ui", "--no-browser", "--host", "0.0.0.0"],
        cwd=tmp_path, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 2
    assert "no auth" in done.stderr


def test_ui_says_how_to_build_a_missing_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from trackrecord.cli import ui as ui_command
    from trackrecord.server.routes import ui as ui_routes

    monkeypatch.setattr(ui_routes, "UI_DIR", tmp_path / "not-built")
    ui_command._warn_if_not_built()
    err = capsys.readouterr().err
    assert "the web UI is not built" in err and "make web" in err
