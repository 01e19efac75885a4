"""Registry of workloads, in the order the report prints them."""

from __future__ import annotations

import importlib
from typing import cast

from workloads.base import Metric, Workload

__all__ = ["WORKLOADS", "Metric", "Workload", "load_workload"]

WORKLOADS: tuple[str, ...] = (
    "log_single",
    "log_dict",
    "read_series",
    "disk_usage",
    "import_time",
    "search",
    "runs_ls",
    "export",
    "server_ingest",
    "server_search",
)


def load_workload(name: str) -> Workload:
    if name not in WORKLOADS:
        raise ValueError(f"unknown workload {name!r}; choose one of {', '.join(WORKLOADS)}")
    return cast(Workload, importlib.import_module(f"workloads.{name}"))
