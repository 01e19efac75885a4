"""An alias that needs N sign-offs moves only after N different people approved the version."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tests.signing.conftest import Recorded
from trackrecord.cli import main
from trackrecord.errors import PermissionDeniedError
from trackrecord.signing import generate_key, sign
from trackrecord.store.sql.signoffs import SqlSignoffs


def test_production_moves_only_after_two_approvals(
    recorded: Recorded, monkeypatch: pytest.MonkeyPatch
) -> None:
    where = ["--dir", str(recorded.store)]
    done = CliRunner().invoke(main, ["models", "require-signoffs", "credit", "production", "2",
                                     "--reason", "4-eyes rule", *where])  # fmt: skip
    assert done.exit_code == 0, done.output
    api = recorded.api()
    with pytest.raises(PermissionDeniedError, match=r"needs 2 approving sign-offs .* has 0"):
        api.set_alias("credit", "production", 1)
    api.set_alias("credit", "staging", 1)  # no policy on staging
    store = api.store
    signoffs = SqlSignoffs(store.database)
    for user in ("alice", "alice", "bob"):  # alice twice counts once
        monkeypatch.setenv("USER", user)
        monkeypatch.setenv("LOGNAME", user)
        local = generate_key(recorded.keys_dir / user)
        signoffs.register_key(user, local.public_key)
        sign(store, "model:credit/1", key_id=local.id, keys_directory=recorded.keys_dir / user)
        if user == "alice" and len(signoffs.signatures("model:credit/1")) == 1:
            with pytest.raises(PermissionDeniedError, match=r"has 1 \(alice\)"):
                api.set_alias("credit", "production", 1)
    moved = api.set_alias("credit", "production", 1, reason="signed off")
    assert "production" in moved.aliases
    history = [e.type for e in api.registry_history("credit")]
    assert "policy.set" in history and history[-1] == "alias.set"
