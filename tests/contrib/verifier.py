"""contrib/verify_record.py as an auditor runs it: a script that knows nothing of TrackRecord."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[2] / "contrib" / "verify_record.py"

# -I: no PYTHONPATH, no user site, not the script's directory; and trackrecord, which the
# virtualenv could still import, made unimportable: the script must do without it
_BOOT = (
    "import runpy, sys; sys.modules['trackrecord'] = None; sys.argv = sys.argv[1:]; "
    "runpy.run_path(sys.argv[0], run_name='__main__')"
)


def load() -> ModuleType:
    """The verifier as a module, to call its functions (it imports no TrackRecord)."""
    spec = importlib.util.spec_from_file_location("verify_record", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_isolated(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run the verifier in a fresh interpreter with a clean environment."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8"}
    return subprocess.run(
        [sys.executable, "-I", "-c", _BOOT, str(SCRIPT), *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_here(verifier: ModuleType, *args: str | Path) -> tuple[int, str]:
    """Run the verifier's main() in this process: (exit status, output)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = verifier.main([str(a) for a in args])
    return int(status), out.getvalue()
