from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import pytest

from trackrecord.capture import Capture, capture_environment
from trackrecord.capture import gpu as gpu_module
from trackrecord.capture.gpu import NvmlError, gpu_info

# A stand-in for libnvidia-ml with two GPUs, the second of which is lost; it
# counts nvmlInit/nvmlShutdown so the test can see that every init is undone.
FAKE_NVML = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
static int balance = 0;
int fake_balance(void) { return balance; }
const char *nvmlErrorString(int code) {
    return code == 9 ? "Driver Not Loaded" : code == 15 ? "GPU is lost" : "Unknown Error";
}
int nvmlInit_v2(void) { if (getenv("FAKE_NVML_FAIL_INIT")) return 9; balance++; return 0; }
int nvmlShutdown(void) { balance--; return 0; }
int nvmlSystemGetDriverVersion(char *buf, unsigned int len) {
    snprintf(buf, len, "550.54.15"); return 0;
}
int nvmlSystemGetCudaDriverVersion(int *version) { *version = 12040; return 0; }
int nvmlDeviceGetCount_v2(unsigned int *count) { *count = 2; return 0; }
int nvmlDeviceGetHandleByIndex_v2(unsigned int i, void **h) {
    *h = (void *)(size_t)(i + 1); return 0;
}
int nvmlDeviceGetName(void *h, char *buf, unsigned int len) {
    snprintf(buf, len, "Fake GPU 80GB"); return 0;
}
int nvmlDeviceGetUUID(void *h, char *buf, unsigned int len) {
    snprintf(buf, len, "GPU-fake-%zu", (size_t)h); return 0;
}
int nvmlDeviceGetMemoryInfo(void *h, nvmlMemory_t *m) {
    if ((size_t)h == 2) return 15;
    m->total = 85899345920ULL; m->free = 0; m->used = 0; return 0;
}
"""


@pytest.fixture(scope="module")
def fake_nvml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("needs a C compiler to build the fake NVML library")
    folder = tmp_path_factory.mktemp("nvml")
    (folder / "fake_nvml.c").write_text(FAKE_NVML)
    library = folder / "libfake-nvml.so"
    subprocess.run(
        [compiler, "-shared", "-fPIC", "-o", str(library), str(folder / "fake_nvml.c")],
        check=True,
        timeout=60,
    )
    return library


def test_missing_library_gives_no_gpus() -> None:
    assert gpu_info(library_names=("libnvidia-ml-does-not-exist.so.1",)) == []


def test_default_library_gives_a_list_without_raising() -> None:
    gpus = gpu_info()
    assert isinstance(gpus, list)
    assert all("index" in gpu for gpu in gpus)
    if not any(Path(p).exists() for p in ("/proc/driver/nvidia", "/dev/nvidia0")):
        assert gpus == []  # no NVIDIA driver on this machine


def test_each_gpu_is_described_and_nvml_is_shut_down(fake_nvml: Path) -> None:
    gpus = gpu_info(library_names=("libnvidia-ml-does-not-exist.so.1", str(fake_nvml)))
    assert gpus[0] == {
        "index": 0,
        "name": "Fake GPU 80GB",
        "uuid": "GPU-fake-1",
        "memory_total_bytes": 85899345920,
        "driver_version": "550.54.15",
        "cuda_driver_version": "12.4",
    }
    assert gpus[1]["error"] == "NVML error 15: GPU is lost"
    assert ctypes.CDLL(str(fake_nvml)).fake_balance() == 0


def test_failing_nvml_init_is_recorded_in_place_of_the_gpus(
    fake_nvml: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_NVML_FAIL_INIT", "1")
    with pytest.raises(NvmlError, match="Driver Not Loaded"):
        gpu_info(library_names=(str(fake_nvml),))
    monkeypatch.setattr(gpu_module, "LIBRARY_NAMES", (str(fake_nvml),))
    env = capture_environment(Capture(git=False, diff=False, packages=False, command=False))
    assert env.info["gpus"] == {"error": "NvmlError: NVML error 9: Driver Not Loaded"}
    assert env.info["cpu"]["logical_count"] > 0  # the other system parts are still there
