"""System metrics: a daemon thread samples the machine, the process and its GPUs.

Every ``interval`` seconds (15 by default, at least 1) the sampler logs, with
step = the sample index (0, 1, 2, ... on its own counter, never the user's):

* ``system/cpu_percent``: the machine's CPU use, 0 to 100 (100 = every core busy);
* ``system/memory_used_mb``, ``system/memory_percent``: total minus available memory;
* ``system/disk_read_mb_s``, ``system/disk_write_mb_s``: physical disks, MB/s over the
  interval; ``system/net_recv_mb_s``, ``system/net_sent_mb_s``: every interface but ``lo``;
* ``system/process_rss_mb``, ``system/process_cpu_percent``: this process, CPU as
  ``top`` shows it (up to 100 per core, so 100 * cores at most);
* per NVIDIA GPU *i*: ``system/gpu{i}/utilization`` (%), ``/memory_used_mb``,
  ``/temperature_c``, ``/power_w`` — read through NVML with ``ctypes``; no driver, no keys.

It reads Linux ``/proc`` directly (no dependency); elsewhere only the process CPU
(from :func:`os.times`) and GPUs are reported. MB are 10^6 bytes. A failure warns
once with :class:`TrackRecordWarning` and stops the sampler; training never sees it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from trackrecord.capture.gpu import LIBRARY_NAMES, NvmlError, _check, _load, _Memory
from trackrecord.errors import TrackRecordWarning
from trackrecord.record.events import Points
from trackrecord.sdk.buffers import MetricBuffers, Refused

__all__ = [
    "DEFAULT_INTERVAL",
    "MIN_INTERVAL",
    "PREFIX",
    "RunBuffers",
    "SystemSampler",
]

PREFIX = "system/"
DEFAULT_INTERVAL = 15.0
MIN_INTERVAL = 1.0
_MB = 1e6
_SECTOR = 512  # /proc/diskstats counts 512-byte sectors whatever the disk's own size


class RunBuffers(MetricBuffers):
    """The run's metric buffers, plus :attr:`samples` for the system sampler.

    Samples have their own steps (sample indices); keeping them in a second set of
    buffers, drained together with the first, means they never move the step that
    ``run.log()`` counts up from.
    """

    def __init__(self, next_step: int = 0) -> None:
        super().__init__(next_step)
        self.samples = MetricBuffers()

    def drain(self, refused: Refused | None = None) -> dict[str, Points]:
        """Everything buffered by the user and by the sampler, keyed by metric."""
        drained = super().drain(refused)
        for key, points in self.samples.drain(refused).items():
            if key in drained:  # the user logged a system/ key of their own
                mine = drained[key]
                points = Points(
                    np.concatenate([mine.steps, points.steps]),
                    np.concatenate([mine.values, points.values]),
                    np.concatenate([mine.times, points.times]),
                )
            drained[key] = points
        return drained


class _Reader(Protocol):
    def read(self, elapsed: float) -> dict[str, float]: ...


class SystemSampler:
    """Logs system metrics into *samples* from a daemon thread until :meth:`stop`.

    Example:
        >>> sampler = SystemSampler(MetricBuffers(), "run-id", interval=1.0)  # doctest: +SKIP
        >>> sampler.start(); ...; sampler.stop()  # doctest: +SKIP
    """

    def __init__(
        self,
        samples: MetricBuffers,
        run_id: str,
        interval: float = DEFAULT_INTERVAL,
        first_step: int = 0,
        proc: Path = Path("/proc"),
        gpu_libraries: Sequence[str] = LIBRARY_NAMES,
    ) -> None:
        self.samples, self.run_id, self.interval = samples, run_id, interval
        self.step = first_step
        self.failure: BaseException | None = None
        self.cpu_seconds = 0.0  # CPU time the thread spent sampling (see benchmarks/)
        self.setup_seconds = 0.0  # CPU time spent opening the readers (NVML, /sys/block)
        self.samples_taken = 0
        self._proc, self._gpu_libraries = proc, gpu_libraries
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name=f"trackrecord-system-{run_id}", daemon=True
        )

    def start(self) -> None:
        """Start sampling; the first sample comes one interval from now."""
        self._thread.start()

    def stop(self, timeout: float | None = 5.0) -> None:
        """Stop sampling and wait for the thread; safe to call twice."""
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def _loop(self) -> None:
        gpus: GpuReader | None = None
        try:
            started = time.thread_time()
            gpus = GpuReader.open(self._gpu_libraries)
            readers: list[_Reader] = [ProcReader(self._proc), ProcessReader(self._proc)]
            readers += [gpus] if gpus is not None else []
            self.setup_seconds = time.thread_time() - started
            self._sample_until_stopped(readers)
        except Exception as exc:
            self._report(exc)
        finally:
            if gpus is not None:
                gpus.close()

    def _sample_until_stopped(self, readers: Sequence[_Reader]) -> None:
        last = time.monotonic()
        while not self._stop.wait(self.interval):
            started, now = time.thread_time(), time.monotonic()
            values: dict[str, float] = {}
            for reader in readers:
                values.update(reader.read(max(now - last, 1e-6)))
            if values:
                self.samples.add(values, step=self.step)
                self.step += 1
                self.samples_taken += 1
            last = now
            self.cpu_seconds += time.thread_time() - started

    def _report(self, exc: BaseException) -> None:
        self.failure = exc
        with contextlib.suppress(Warning):  # warnings made errors must not kill the thread
            warnings.warn(
                f"TrackRecord stopped recording system metrics for run {self.run_id}: "
                f"{type(exc).__name__}: {exc}. Training goes on; turn them off with "
                f"trackrecord.init(..., system_metrics=False) or TRACKRECORD_SYSTEM_METRICS=0",
                TrackRecordWarning,
                stacklevel=2,
            )


class ProcReader:
    """Machine-wide CPU, memory, disk and network from Linux ``/proc``; ``{}`` elsewhere."""

    def __init__(self, proc: Path = Path("/proc")) -> None:
        self.proc = proc
        self.linux = (proc / "stat").exists()
        self.disks = _physical_disks() if self.linux else frozenset()
        self._last = self._counters()

    def read(self, elapsed: float) -> dict[str, float]:
        """Memory now, CPU and the rates over the *elapsed* seconds since the last read."""
        if not self.linux:
            return {}
        now = self._counters()
        values = _memory(self.proc / "meminfo")
        busy = now["cpu_busy"] - self._last["cpu_busy"]
        total = now["cpu_total"] - self._last["cpu_total"]
        if total > 0:
            values["system/cpu_percent"] = 100.0 * busy / total
        for key in ("disk_read", "disk_write", "net_recv", "net_sent"):
            if key in now:
                rate = (now[key] - self._last.get(key, now[key])) / elapsed / _MB
                values[f"{PREFIX}{key}_mb_s"] = max(rate, 0.0)  # counters may wrap or reset
        self._last = now
        return values

    def _counters(self) -> dict[str, float]:
        if not self.linux:
            return {}
        busy, total = _cpu_times(self.proc / "stat")
        counters = {"cpu_busy": busy, "cpu_total": total}
        if self.disks:
            read, written = _disk_bytes(self.proc / "diskstats", self.disks)
            counters.update(disk_read=read, disk_write=written)
        net = self.proc / "net" / "dev"
        if net.exists():
            counters["net_recv"], counters["net_sent"] = _net_bytes(net)
        return counters


class ProcessReader:
    """This process: resident memory (Linux) and CPU use over the interval (everywhere)."""

    def __init__(self, proc: Path = Path("/proc")) -> None:
        statm = proc / "self" / "statm"
        self.statm = statm if statm.exists() else None
        self.page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
        self._cpu = _process_cpu()

    def read(self, elapsed: float) -> dict[str, float]:
        """RSS now, and CPU % (100 per busy core) over the *elapsed* seconds."""
        cpu = _process_cpu()
        values = {f"{PREFIX}process_cpu_percent": 100.0 * (cpu - self._cpu) / elapsed}
        self._cpu = cpu
        if self.statm is not None:
            resident = int(self.statm.read_text().split()[1])
            values[f"{PREFIX}process_rss_mb"] = resident * self.page / _MB
        return values


def _process_cpu() -> float:
    times = os.times()
    return times.user + times.system


def _cpu_times(path: Path) -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs, from the first line of ``/proc/stat``."""
    fields = [float(x) for x in path.read_text().split("\n", 1)[0].split()[1:9]]
    total = sum(fields)  # user nice system idle iowait irq softirq steal (guest is in user)
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)
    return total - idle, total


def _memory(path: Path) -> dict[str, float]:
    info: dict[str, float] = {}
    for line in path.read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("MemTotal", "MemAvailable", "MemFree", "Buffers", "Cached"):
            info[name] = float(rest.split()[0]) * 1024  # kB
    total = info.get("MemTotal", 0.0)
    if total <= 0:
        return {}
    available = info.get("MemAvailable")
    if available is None:  # kernels before 3.14
        available = info.get("MemFree", 0.0) + info.get("Buffers", 0.0) + info.get("Cached", 0.0)
    used = total - available
    return {f"{PREFIX}memory_used_mb": used / _MB, f"{PREFIX}memory_percent": 100 * used / total}


def _physical_disks(sys_block: Path = Path("/sys/block")) -> frozenset[str]:
    """Whole physical disks (they have a ``device``): loop, RAM, zram and device-mapper
    disks are left out, since their traffic is counted again on the disks beneath."""
    try:
        return frozenset(d.name for d in sys_block.iterdir() if (d / "device").exists())
    except OSError:
        return frozenset()


def _disk_bytes(path: Path, disks: frozenset[str]) -> tuple[float, float]:
    read = written = 0.0
    for line in path.read_text().splitlines():
        fields = line.split()
        if len(fields) > 9 and fields[2] in disks:
            read += float(fields[5]) * _SECTOR
            written += float(fields[9]) * _SECTOR
    return read, written


def _net_bytes(path: Path) -> tuple[float, float]:
    received = sent = 0.0
    for line in path.read_text().splitlines()[2:]:
        name, _, rest = line.partition(":")
        fields = rest.split()
        if name.strip() != "lo" and len(fields) > 8:
            received += float(fields[0])
            sent += float(fields[8])
    return received, sent


class _Utilization(ctypes.Structure):
    """``nvmlUtilization_t``."""

    _fields_ = [("gpu", ctypes.c_uint), ("memory", ctypes.c_uint)]


_NVML_TEMPERATURE_GPU = 0


class GpuReader:
    """Utilization, memory, temperature and power of each NVIDIA GPU, through NVML.

    A reading a GPU does not support (power on some boards) is left out from then on.
    """

    def __init__(self, nvml: ctypes.CDLL, handles: list[ctypes.c_void_p]) -> None:
        self.nvml, self.handles = nvml, handles
        self._unsupported: set[tuple[int, str]] = set()
        self._probes: dict[str, Callable[[ctypes.c_void_p], float]] = {
            "utilization": self._utilization,
            "memory_used_mb": self._memory_used,
            "temperature_c": self._temperature,
            "power_w": self._power,
        }

    @classmethod
    def open(cls, library_names: Sequence[str] = LIBRARY_NAMES) -> GpuReader | None:
        """A reader of every GPU; None without NVML, or when NVML fails to start."""
        nvml = _load(library_names)
        if nvml is None:
            return None
        nvml.nvmlErrorString.restype = ctypes.c_char_p
        try:
            _check(nvml, nvml.nvmlInit_v2())
        except NvmlError:  # a broken driver: environment capture reports it already
            return None
        try:
            count = ctypes.c_uint()
            _check(nvml, nvml.nvmlDeviceGetCount_v2(ctypes.byref(count)))
            handles = []
            for index in range(count.value):
                handle = ctypes.c_void_p()
                _check(nvml, nvml.nvmlDeviceGetHandleByIndex_v2(index, ctypes.byref(handle)))
                handles.append(handle)
        except NvmlError:
            nvml.nvmlShutdown()
            return None
        return cls(nvml, handles) if handles else None

    def read(self, elapsed: float) -> dict[str, float]:
        """The current readings of every GPU, as ``system/gpu{i}/...``."""
        values: dict[str, float] = {}
        for index, handle in enumerate(self.handles):
            for name, probe in self._probes.items():
                if (index, name) in self._unsupported:
                    continue
                try:
                    values[f"{PREFIX}gpu{index}/{name}"] = probe(handle)
                except NvmlError:  # not supported, or the GPU fell off the bus
                    self._unsupported.add((index, name))
        return values

    def close(self) -> None:
        """Shut NVML down (it counts its users, so other users in the process keep it)."""
        self.nvml.nvmlShutdown()

    def _utilization(self, handle: ctypes.c_void_p) -> float:
        rates = _Utilization()
        _check(self.nvml, self.nvml.nvmlDeviceGetUtilizationRates(handle, ctypes.byref(rates)))
        return float(rates.gpu)

    def _memory_used(self, handle: ctypes.c_void_p) -> float:
        memory = _Memory()
        _check(self.nvml, self.nvml.nvmlDeviceGetMemoryInfo(handle, ctypes.byref(memory)))
        return float(memory.used) / _MB

    def _temperature(self, handle: ctypes.c_void_p) -> float:
        value = ctypes.c_uint()
        _check(
            self.nvml,
            self.nvml.nvmlDeviceGetTemperature(handle, _NVML_TEMPERATURE_GPU, ctypes.byref(value)),
        )
        return float(value.value)

    def _power(self, handle: ctypes.c_void_p) -> float:
        milliwatts = ctypes.c_uint()
        _check(self.nvml, self.nvml.nvmlDeviceGetPowerUsage(handle, ctypes.byref(milliwatts)))
        return milliwatts.value / 1000.0
