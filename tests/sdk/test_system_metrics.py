"""System metrics: sampled by a real thread from the real /proc, on their own steps."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

import trackrecord
from tests.sdk.conftest import OpenApi, StartRun
from trackrecord.sdk.buffers import MetricBuffers
from trackrecord.sdk.system_metrics import GpuReader, ProcReader, RunBuffers, SystemSampler

LINUX = Path("/proc/stat").exists()
MACHINE_KEYS = {
    "system/cpu_percent",
    "system/memory_used_mb",
    "system/memory_percent",
    "system/net_recv_mb_s",
    "system/net_sent_mb_s",
}
PROCESS_KEYS = {"system/process_rss_mb", "system/process_cpu_percent"}
LITTLE_ENVIRONMENT = trackrecord.Capture(git=False, diff=False, packages=False, command=False)


@pytest.mark.skipif(not LINUX, reason="reads Linux /proc")
def test_samples_every_second_on_their_own_steps(start: StartRun, open_api: OpenApi) -> None:
    run = start(system_metrics=True, system_interval=1.0)
    began = time.monotonic()
    step = 0
    while time.monotonic() - began < 2.5:
        run.log({"loss": 1.0 / (step + 1)})  # the user's own step counter
        step += 1
        time.sleep(0.01)
    run.finish()

    api = open_api()
    summaries = api.summaries(run.id)
    assert set(summaries) >= MACHINE_KEYS | PROCESS_KEYS, sorted(summaries)
    np.testing.assert_array_equal(api.metric_history(run.id, "loss").steps, np.arange(step))
    cpu = api.metric_history(run.id, "system/cpu_percent")
    assert len(cpu) == 2  # at 1 s and 2 s
    np.testing.assert_array_equal(cpu.steps, [0, 1])
    assert np.all((cpu.values >= 0) & (cpu.values <= 100))
    process_cpu = api.metric_history(run.id, "system/process_cpu_percent").values
    assert np.all((process_cpu >= 0) & (process_cpu <= 100 * (os.cpu_count() or 1) + 1))
    assert np.all(api.metric_history(run.id, "system/memory_used_mb").values > 0)
    assert 0 < summaries["system/memory_percent"].last <= 100
    assert 1 < summaries["system/process_rss_mb"].last < 1e6
    times = cpu.times / 1000.0
    assert 0.8 < times[1] - times[0] < 1.5  # wall times come from the buffers


def test_off_with_capture_false_and_by_argument_or_environment(
    start: StartRun, open_api: OpenApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiet = start()  # the fixture's capture=False records nothing about the environment
    monkeypatch.setenv("TRACKRECORD_SYSTEM_METRICS", "0")
    by_env = start(capture=LITTLE_ENVIRONMENT, system_interval=1.0)
    monkeypatch.delenv("TRACKRECORD_SYSTEM_METRICS")
    by_argument = start(capture=LITTLE_ENVIRONMENT, system_metrics=False, system_interval=1.0)
    on = start(capture=LITTLE_ENVIRONMENT, system_interval=1.0)
    time.sleep(1.3)
    for run in (quiet, by_env, by_argument, on):
        run.finish()
    api = open_api()
    for run in (quiet, by_env, by_argument):
        assert not [k for k in api.summaries(run.id) if k.startswith("system/")]
    assert "system/process_cpu_percent" in api.summaries(on.id)


def test_resume_keeps_both_step_counters_apart(start: StartRun, open_api: OpenApi) -> None:
    run = start(system_metrics=True, system_interval=1.0)
    run.log({"loss": 0.5})
    time.sleep(1.3)
    run.finish()
    again = start(resume=run.id, system_metrics=True, system_interval=1.0)
    again.log({"loss": 0.4})  # step 1: the sample index 0 does not count
    time.sleep(1.3)
    again.finish()
    api = open_api()
    np.testing.assert_array_equal(api.metric_history(run.id, "loss").steps, [0, 1])
    steps = api.metric_history(run.id, "system/process_cpu_percent").steps
    np.testing.assert_array_equal(steps, [0, 1])


@pytest.mark.parametrize("interval", [0.5, 0, -1, "15", True, float("nan")])
def test_interval_below_one_second_is_refused(start: StartRun, interval: object) -> None:
    with pytest.raises(trackrecord.ConfigurationError, match="system_interval"):
        start(system_metrics=True, system_interval=interval)


def test_a_failure_warns_once_and_stops_the_sampler(tmp_path: Path) -> None:
    (tmp_path / "stat").write_text("cpu  not numbers\n")  # a /proc that cannot be read
    sampler = SystemSampler(MetricBuffers(), "run-1", interval=1.0, proc=tmp_path)
    with pytest.warns(trackrecord.TrackRecordWarning, match="stopped recording system metrics"):
        sampler.start()
        sampler._thread.join(5)
    assert not sampler._thread.is_alive()
    assert isinstance(sampler.failure, ValueError)
    sampler.stop()  # still safe


def test_rates_and_percentages_from_proc_files(tmp_path: Path) -> None:
    (tmp_path / "net").mkdir()
    write_proc(tmp_path, busy=100, idle=300, read_sectors=0, rx=1000)
    reader = ProcReader(tmp_path)
    reader.disks = frozenset({"vda"})
    reader._last = reader._counters()
    write_proc(tmp_path, busy=175, idle=325, read_sectors=4_000_000, rx=3_001_000)
    values = reader.read(elapsed=2.0)
    assert values["system/cpu_percent"] == pytest.approx(75.0)
    assert values["system/disk_read_mb_s"] == pytest.approx(4e6 * 512 / 2 / 1e6)
    assert values["system/net_recv_mb_s"] == pytest.approx(1.5)
    assert values["system/memory_used_mb"] == pytest.approx(6000 * 1024 / 1e6)
    assert values["system/memory_percent"] == pytest.approx(75.0)


def write_proc(root: Path, busy: int, idle: int, read_sectors: int, rx: int) -> None:
    (root / "stat").write_text(f"cpu  {busy} 0 0 {idle} 0 0 0 0 0 0\ncpu0 1 2 3 4\n")
    (root / "meminfo").write_text("MemTotal: 8000 kB\nMemFree: 100 kB\nMemAvailable: 2000 kB\n")
    (root / "diskstats").write_text(
        f" 253 0 vda 10 0 {read_sectors} 0 5 0 0 0 0 0 0\n"
        f"   7 0 loop0 10 0 999999 0 5 0 999999 0 0 0 0\n"
    )
    (root / "net" / "dev").write_text(
        "Inter-|   Receive\n face |bytes packets\n"
        f"    lo: 999999 1 0 0 0 0 0 0 999999 1 0 0 0 0 0 0\n"
        f"  eth0: {rx} 1 0 0 0 0 0 0 0 1 0 0 0 0 0 0\n"
    )


def test_no_nvml_means_no_gpu_reader() -> None:
    assert GpuReader.open(["libnvidia-ml-missing.so.1"]) is None


def test_run_buffers_drain_samples_without_moving_the_user_step() -> None:
    buffers = RunBuffers()
    buffers.samples.add({"system/cpu_percent": 5.0}, step=40)
    buffers.add({"loss": 1.0})
    buffers.add({"system/cpu_percent": 1.0}, step=0)  # a user's own system/ key
    assert buffers.next_step == 1
    drained = buffers.drain()
    np.testing.assert_array_equal(drained["loss"].steps, [0])
    np.testing.assert_array_equal(drained["system/cpu_percent"].steps, [0, 40])
    assert buffers.drain() == {}
