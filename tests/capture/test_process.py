from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path

import pytest

from trackrecord.capture import Capture, capture_environment
from trackrecord.capture.process import REDACTED, command_info, redact_argv

ENV_ONLY = Capture.nothing()


def test_only_listed_variables_are_captured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKRECORD_TEST_SECRET", "s3cr3t-value")
    monkeypatch.setenv("TRACKRECORD_TEST_SEED", "42")
    env = capture_environment(Capture(env_vars=("TRACKRECORD_TEST_SEED",)))
    assert env.info["env"] == {"TRACKRECORD_TEST_SEED": "42"}
    assert "s3cr3t-value" not in json.dumps(env.info)


def test_a_listed_variable_is_captured_even_if_secret_looking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRACKRECORD_TEST_SECRET", "s3cr3t-value")
    monkeypatch.delenv("TRACKRECORD_TEST_UNSET", raising=False)
    options = Capture(
        git=False,
        diff=False,
        packages=False,
        system=False,
        command=False,
        env_vars=("TRACKRECORD_TEST_SECRET", "TRACKRECORD_TEST_UNSET"),
    )
    env = capture_environment(options)
    assert env.info == {
        "env": {"TRACKRECORD_TEST_SECRET": "s3cr3t-value", "TRACKRECORD_TEST_UNSET": None}
    }


def test_no_listed_variables_means_no_env_part() -> None:
    assert "env" not in capture_environment(Capture(git=False, diff=False, packages=False)).info


def test_command_records_argv_cwd_pid_and_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["train.py", "--lr", "0.1", "--wandb-api-key=abc123"])
    command = command_info()
    assert command["argv"] == ["train.py", "--lr", "0.1", f"--wandb-api-key={REDACTED}"]
    assert command["cwd"] == os.getcwd()
    assert command["pid"] == os.getpid()
    assert command["user"] == getpass.getuser()


def test_unknown_user_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_user() -> str:
        raise KeyError("getpwuid(): uid not found: 1000710000")

    monkeypatch.setattr(getpass, "getuser", no_user)
    assert command_info()["user"] is None


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--hf-token", "hf_x", "--lr", "1"], ["--hf-token", REDACTED, "--lr", "1"]),
        (["--db_password=pw"], [f"--db_password={REDACTED}"]),
        (["--API-KEY", "k"], ["--API-KEY", REDACTED]),
        (
            ["--max-tokens", "512", "--tokenizer", "gpt2"],
            ["--max-tokens", "512", "--tokenizer", "gpt2"],
        ),
        (["--use-token", "--epochs", "3"], ["--use-token", "--epochs", "3"]),
        (["--secret"], ["--secret"]),
        (["token", "password"], ["token", "password"]),
    ],
)
def test_redact_argv(argv: list[str], expected: list[str]) -> None:
    assert redact_argv(argv) == expected


def test_deleted_working_directory_keeps_the_rest_of_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    command = command_info()
    assert command["cwd"] is None
    assert command["pid"] == os.getpid()
