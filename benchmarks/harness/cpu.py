"""Where the CPU went during a measurement: the servers, PostgreSQL, the whole machine.

Read from /proc (Linux): a process's user + system time, and the machine's busy and
total time over all cores. The servers are this process's descendants (minus the
processes named as not servers, such as load generators); PostgreSQL is every backend
serving the named database.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_HZ = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, int, str]]:
    """pid → (parent pid, CPU jiffies, command line) of every process readable now."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # it ended meanwhile
            continue
        fields = stat.rsplit(")", 1)[1].split()
        found[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]), command)
    return found


def _descendants(processes: dict[int, tuple[int, int, str]], root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in processes.items():
        children.setdefault(parent, []).append(pid)
    found, stack = set(), [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


@dataclass
class CpuSample:
    """CPU seconds used so far by the servers and PostgreSQL, and the machine's jiffies."""

    servers_s: float
    postgres_s: float
    machine_busy: int
    machine_total: int

    @classmethod
    def now(cls, database: str, not_servers: set[int]) -> CpuSample:
        """A sample: servers are descendants of this process outside *not_servers*."""
        processes = _processes()
        servers = _descendants(processes, os.getpid()) - not_servers
        backend = f" {database} "
        postgres = [p for p, (_, _, cmd) in processes.items()
                    if cmd.startswith("postgres:") and backend in cmd]  # fmt: skip
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]
        return cls(
            sum(processes[p][1] for p in servers) / _HZ,
            sum(processes[p][1] for p in postgres) / _HZ,
            sum(fields) - idle,
            sum(fields),
        )

    def since(self, earlier: CpuSample, seconds: float) -> dict[str, float]:
        """Cores used on average since *earlier*, and the machine's busy fraction.

        A PostgreSQL backend that ended in between is not counted (the load generators
        keep their connections, so the servers' pools do too)."""
        total = max(1, self.machine_total - earlier.machine_total)
        return {
            "server_cores": (self.servers_s - earlier.servers_s) / seconds,
            "postgres_cores": max(0.0, self.postgres_s - earlier.postgres_s) / seconds,
            "machine_busy": (self.machine_busy - earlier.machine_busy) / total,
        }
