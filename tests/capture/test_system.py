from __future__ import annotations

import platform
import socket
import sys
from pathlib import Path

import pytest

from trackrecord.capture.system import cpu_info, host_info, memory_info, os_info, python_info


def test_python_is_this_interpreter() -> None:
    assert python_info() == {
        "version": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
    }


def test_os_and_host() -> None:
    assert os_info()["system"] == platform.system()
    assert os_info()["release"] == platform.release()
    assert host_info() == {"hostname": socket.gethostname()}


def test_cpu_counts_are_positive() -> None:
    cpu = cpu_info()
    assert cpu["logical_count"] > 0
    assert 0 < cpu["usable_count"] <= cpu["logical_count"]


@pytest.mark.skipif(not Path("/proc/cpuinfo").exists(), reason="reads /proc/cpuinfo")
def test_cpu_model_is_read_from_proc() -> None:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    models = [line.partition(":")[2].strip() for line in lines if line.startswith("model name")]
    if not models:
        pytest.skip("this CPU's /proc/cpuinfo has no model name line")
    assert cpu_info()["model"] == models[0]


def test_memory_total_is_positive() -> None:
    total = memory_info()["total_bytes"]
    assert isinstance(total, int)
    assert total > 64 * 1024 * 1024
