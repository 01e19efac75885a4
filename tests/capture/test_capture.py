from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import trackrecord.capture as capture_module
from tests.gitrepo import git
from trackrecord.capture import Capture, Environment, capture_environment
from trackrecord.errors import ConfigurationError

ALL_KEYS = ["python", "os", "host", "cpu", "memory", "gpus", "git", "command", "packages", "env"]


def test_all_lists_the_public_names() -> None:
    public = {
        name
        for name, value in vars(capture_module).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == "trackrecord.capture"
    }
    assert (
        set(capture_module.__all__) == public == {"Capture", "Environment", "capture_environment"}
    )


@pytest.mark.parametrize("value", [True, None])
def test_coerce_true_and_none_mean_everything(value: bool | None) -> None:
    assert Capture.coerce(value) == Capture()


def test_coerce_false_means_nothing() -> None:
    options = Capture.coerce(False)
    assert options == Capture.nothing()
    assert not (
        options.git or options.diff or options.packages or options.system or options.command
    )
    assert options.env_vars == ()


def test_coerce_passes_a_capture_through() -> None:
    options = Capture(diff=False)
    assert Capture.coerce(options) is options


@pytest.mark.parametrize("value", ["yes", 1, 0, {"git": False}])
def test_coerce_rejects_other_types_naming_the_allowed_ones(value: object) -> None:
    with pytest.raises(
        ConfigurationError, match=r"True, False, None or a trackrecord.capture.Capture"
    ):
        Capture.coerce(value)  # type: ignore[arg-type]


def test_env_vars_as_one_string_is_refused_with_the_fix() -> None:
    with pytest.raises(ConfigurationError, match=r"env_vars=\('HOME',\)"):
        Capture(env_vars="HOME")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="variable names"):
        Capture(env_vars=("HOME", 3))  # type: ignore[arg-type]


def test_env_vars_list_becomes_a_tuple() -> None:
    assert Capture(env_vars=["HOME"]).env_vars == ("HOME",)  # type: ignore[arg-type]


def test_nothing_captures_nothing(repo: Path) -> None:
    (repo / "train.py").write_text("changed\n")
    assert capture_environment(Capture.nothing(), cwd=repo) == Environment(info={}, diff=None)


def test_everything_is_captured_and_json_serialisable(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKRECORD_TEST_SEED", "7")
    (repo / "train.py").write_text("lr = 0.3\n")
    env = capture_environment(Capture(env_vars=("TRACKRECORD_TEST_SEED",)), cwd=repo)
    assert list(env.info) == ALL_KEYS
    assert not [key for key, part in env.info.items() if isinstance(part, dict) and "error" in part]
    assert json.loads(json.dumps(env.info, allow_nan=False)) == env.info
    assert env.info["git"]["commit"] == git(repo, "rev-parse", "HEAD")
    assert env.diff is not None and "+lr = 0.3" in env.diff


def test_switched_off_parts_have_no_key(repo: Path) -> None:
    env = capture_environment(Capture(system=False, packages=False), cwd=repo)
    assert list(env.info) == ["git", "command"]


def test_a_failing_part_is_recorded_and_the_rest_captured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken() -> dict[str, str]:
        raise RuntimeError("metadata exploded")

    monkeypatch.setattr(capture_module, "installed_packages", broken)
    env = capture_environment(Capture(git=False, diff=False))
    assert env.info["packages"] == {"error": "RuntimeError: metadata exploded"}
    assert env.info["memory"]["total_bytes"] > 0


def test_a_failing_diff_is_recorded_in_info(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(cwd: str) -> str:
        raise OSError("pipe broke")

    monkeypatch.setattr(capture_module, "git_diff", broken)
    env = capture_environment(Capture(system=False, packages=False, command=False), cwd=repo)
    assert env.info["diff"] == {"error": "OSError: pipe broke"}
    assert env.diff is None
    assert env.info["git"]["branch"] == "main"


@pytest.mark.parametrize("cwd", [12345, "/no/such/directory"])
def test_a_bad_cwd_is_recorded_not_raised(cwd: object) -> None:
    env = capture_environment(Capture(system=False, packages=False, command=False), cwd=cwd)  # type: ignore[arg-type]
    assert "error" in env.info["git"]
    assert env.diff is None


def test_capture_imports_no_heavy_library(repo: Path) -> None:
    src = Path(capture_module.__file__).resolve().parents[2]
    script = (
        "import sys\n"
        "from trackrecord.capture import Capture, capture_environment\n"
        "capture_environment(Capture())\n"
        "print(sorted({'numpy', 'pandas', 'pyarrow', 'torch'} & set(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(src)},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.strip() == "[]"
