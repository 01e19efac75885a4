"""MLflow's counterpart of `trackrecord runs ls`: one page of `search_runs`, as a table.

Usage: python mlflow_runs_list.py TRACKING_URI EXPERIMENT_ID FILTER ORDER_BY LIMIT

`mlflow runs list --experiment-id` has no filter, sort or limit, so this script
calls `MlflowClient.search_runs` and prints with the table printer `mlflow runs
list` uses: the same columns (date, name, id) plus the metrics and params the
query names.
"""

from __future__ import annotations

import re
import sys

from mlflow import MlflowClient
from mlflow.utils.string_utils import _create_table
from mlflow.utils.time import conv_longdate_to_str


def main(argv: list[str]) -> None:
    uri, experiment_id, where, order_by, limit = argv
    runs = MlflowClient(uri).search_runs(
        [experiment_id], where, order_by=[order_by], max_results=int(limit)
    )
    fields = list(dict.fromkeys(re.findall(r"\b(metrics|params)\.(\w+)", f"{where} {order_by}")))
    headers = ["Date", "Name", "ID", *(f"{kind}.{key}" for kind, key in fields)]
    table = []
    for run in runs:
        values = [getattr(run.data, kind).get(key, "") for kind, key in fields]
        table.append(
            [conv_longdate_to_str(run.info.start_time), run.info.run_name, run.info.run_id]
        )
        table[-1] += [str(v) for v in values]
    print(_create_table(table, headers=headers))


if __name__ == "__main__":
    main(sys.argv[1:])
