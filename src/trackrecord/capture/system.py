"""The machine a run starts on: Python, operating system, host, CPU and memory.

Only cheap sources are read (``platform``, ``/proc``, ``sysconf``); nothing here
starts a process on Linux or Windows.
"""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
from typing import Any

__all__ = ["cpu_info", "host_info", "memory_info", "os_info", "python_info"]


def python_info() -> dict[str, Any]:
    """The interpreter running the run::

    >>> sorted(python_info())
    ['executable', 'implementation', 'version']
    """
    return {
        "version": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
    }


def os_info() -> dict[str, Any]:
    """Operating system name, release and full platform string::

    >>> os_info()["system"] in ("Linux", "Darwin", "Windows")  # doctest: +SKIP
    True
    """
    uname = platform.uname()
    return {
        "system": uname.system,
        "release": uname.release,
        "version": uname.version,
        "machine": uname.machine,
        "platform": platform.platform(),
    }


def host_info() -> dict[str, Any]:
    """The host name, as the network knows it::

    >>> host_info()  # doctest: +SKIP
    {'hostname': 'gpu-node-7'}
    """
    return {"hostname": socket.gethostname()}


def cpu_info() -> dict[str, Any]:
    """CPU model, logical CPU count, and how many of those this process may use::

    >>> cpu_info()  # doctest: +SKIP
    {'model': 'AMD EPYC 7742 64-Core Processor', 'logical_count': 256, 'usable_count': 8}
    """
    logical = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else logical
    return {"model": _cpu_model(), "logical_count": logical, "usable_count": usable}


def memory_info() -> dict[str, Any]:
    """Total physical memory in bytes::

    >>> memory_info()["total_bytes"] > 0
    True
    """
    return {"total_bytes": _total_memory()}


def _cpu_model() -> str | None:
    if sys.platform == "darwin":
        model = _sysctl("machdep.cpu.brand_string")
    elif sys.platform == "win32":
        model = platform.processor() or None
    else:  # platform.processor() runs `uname -p`, so it is only the last resort here
        model = _linux_cpu_model() or platform.processor() or None
    return model


def _linux_cpu_model() -> str | None:
    """The first model line of /proc/cpuinfo; ARM kernels name it differently."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as cpuinfo:
            for line in cpuinfo:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Model", "Hardware", "cpu model"):
                    return value.strip() or None
    except OSError:
        pass
    return None


def _total_memory() -> int:
    if sys.platform == "win32":
        total = _windows_total_memory()
    elif sys.platform == "darwin":
        total = _darwin_total_memory()
    else:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return total


def _darwin_total_memory() -> int:
    memsize = _sysctl("hw.memsize")
    if memsize is None:
        raise OSError("`sysctl -n hw.memsize` gave no answer")
    return int(memsize)


def _sysctl(name: str) -> str | None:
    """Read one macOS sysctl value (a few milliseconds)."""
    done = subprocess.run(
        ["sysctl", "-n", name], capture_output=True, text=True, timeout=2.0, check=False
    )
    return done.stdout.strip() or None


if sys.platform == "win32":
    import ctypes
    from ctypes import wintypes

    class _MemoryStatusEx(ctypes.Structure):
        _fields_ = [
            ("dwLength", wintypes.DWORD),
            ("dwMemoryLoad", wintypes.DWORD),
            ("ullTotalPhys", ctypes.c_ulonglong),
            ("ullAvailPhys", ctypes.c_ulonglong),
            ("ullTotalPageFile", ctypes.c_ulonglong),
            ("ullAvailPageFile", ctypes.c_ulonglong),
            ("ullTotalVirtual", ctypes.c_ulonglong),
            ("ullAvailVirtual", ctypes.c_ulonglong),
            ("ullAvailExtendedVirtual", ctypes.c_ulonglong),
        ]

    def _windows_total_memory() -> int:
        status = _MemoryStatusEx()
        status.dwLength = ctypes.sizeof(_MemoryStatusEx)
        if not ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
            raise ctypes.WinError()
        return int(status.ullTotalPhys)
