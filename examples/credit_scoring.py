"""Declared accuracy, end to end: a credit-default classifier evaluated against criteria
fixed before testing, with confidence intervals and results per group of persons.

The data is synthetic and seeded (made here; no download): 12,000 loan applicants
with age band, sex and region, income, debt ratio, years of credit history, late
payments and years employed. Young applicants have short credit histories, so the
model knows less about them; the evaluation shows it.

Steps, each recorded in the embedded store:

1. a preparation run reads the applications and produces the training and holdout
   sets (dataset versions by content digest, with a datasheet);
2. a training run fits a gradient-boosting classifier and registers it;
3. acceptance criteria are recorded for that model version *before* evaluating it;
4. the evaluation on the holdout set: every metric with a 95 % interval, per group and
   per intersection of groups, a verdict per criterion, and the limitations;
5. the version gets the ``champion`` alias only if every criterion passed.

Run it with ``python examples/credit_scoring.py`` (or ``make demo``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import trackrecord
from trackrecord import Criterion

FEATURES = ["income", "debt_ratio", "history_years", "late_payments", "employed_years"]
GROUPS = ["age_band", "sex", "region"]
CRITERIA = [
    Criterion("roc_auc", ">=", 0.75, confidence=0.95),
    Criterion("roc_auc", ">=", 0.7, confidence=0.95, group="age_band"),
    Criterion("ece", "<=", 0.05, confidence=0.95),
]


def applicants(n: int, seed: int) -> pd.DataFrame:
    """Synthetic applicants and whether they defaulted (about 20 % did)."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 80, n)
    age_band = pd.cut(age, [17, 25, 40, 60, 80], labels=["18-25", "26-40", "41-60", "61+"])
    sex = rng.choice(["F", "M"], n)
    region = rng.choice(["north", "south", "east", "west"], n, p=[0.3, 0.3, 0.25, 0.15])
    history = np.clip(age - 18 - rng.exponential(4, n), 0, None) * rng.uniform(0.3, 1.0, n)
    income = np.exp(rng.normal(10.3 + 0.01 * np.minimum(age, 55), 0.45, n))
    debt = np.clip(rng.beta(2, 5, n) + rng.normal(0, 0.05, n), 0, 1.5)
    late = rng.poisson(0.4 + 2.2 * debt, n)
    employed = np.clip(rng.normal((age - 18) * 0.4, 3, n), 0, None)
    # default risk: debt and late payments raise it, income and a long history lower it;
    # with little history, much of the risk is noise the features cannot explain
    noise = rng.normal(0, 1.0 + 1.5 * np.exp(-history / 3), n)
    logit = -1.6 + 2.4 * debt + 0.45 * late - 0.6 * (np.log(income) - 10.5) \
        - 0.05 * history + noise  # fmt: skip
    default = (logit > np.quantile(logit, 0.8)).astype(int)
    return pd.DataFrame({
        "age_band": age_band.astype(str), "sex": sex, "region": region,
        "income": income.round(0), "debt_ratio": debt.round(3),
        "history_years": history.round(1), "late_payments": late,
        "employed_years": employed.round(1), "default": default,
    })  # fmt: skip


DATASHEET: dict[str, Any] = {
    "origin": "synthetic: applicants() in examples/credit_scoring.py, seeded",
    "purpose": "show declared accuracy per group of persons for a credit-default model",
    "preparation": ["12,000 applicants generated", "shuffled with the seed",
                    "last 30 % kept as the holdout (reference) set"],
    "labelling": "default = the top 20 % of a latent risk score",
    "known_gaps": "applicants aged 18-25 have short credit histories",
    "biases": "none built in by sex or region; age acts through credit history",
}  # fmt: skip


def prepare(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    with trackrecord.init("credit", name="prepare", config={"seed": seed}) as run:
        data = applicants(12_000, seed)
        run.log_dataset(data, "credit-applications", role="source", datasheet=DATASHEET)
        shuffled = data.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        cut = int(len(shuffled) * 0.7)
        train, holdout = shuffled.iloc[:cut], shuffled.iloc[cut:].reset_index(drop=True)
        run.log_dataset(train, "credit-train", role="train", produced=True)
        run.log_dataset(holdout, "credit-holdout", role="reference", produced=True,
                        description="held out before training; never used to fit")  # fmt: skip
    return train, holdout


def train_model(train: pd.DataFrame, seed: int) -> tuple[Any, Any]:
    from sklearn.ensemble import HistGradientBoostingClassifier

    config = {"model": "HistGradientBoostingClassifier", "max_iter": 150, "learning_rate": 0.08,
              "max_leaf_nodes": 15, "seed": seed}  # fmt: skip
    with trackrecord.init("credit", name="train", config=config) as run:
        run.log_dataset(train, "credit-train", role="train")
        model = HistGradientBoostingClassifier(
            max_iter=150, learning_rate=0.08, max_leaf_nodes=15, random_state=seed
        ).fit(train[FEATURES], train["default"])
        run.log({"train/accuracy": float(model.score(train[FEATURES], train["default"]))})
        run.log_model(model, "classifier", input_example=train[FEATURES].head(5),
                      register="credit-default")  # fmt: skip
        version = trackrecord.Api().model_versions("credit-default")[0]
    return model, version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args()
    started = time.perf_counter()

    train, holdout = prepare(args.seed)
    model, version = train_model(train, args.seed)
    uri = f"models:/credit-default/{version.version}"
    fixed = trackrecord.criteria(uri, CRITERIA, reason="credit policy CP-7: minimum accuracy")
    result = trackrecord.evaluate(
        model, model_version=uri, reference=holdout, label="default", groups=GROUPS,
        dataset_name="credit-holdout", n_resamples=args.resamples, seed=args.seed,
    )  # fmt: skip
    api = trackrecord.Api()
    if result.status == "pass":
        api.set_alias("credit-default", "champion", version.version,
                      reason=f"every criterion passed in {result.id}")  # fmt: skip
    else:
        api.set_alias("credit-default", "candidate", version.version,
                      reason=f"not promoted: {result.status} in {result.id}")  # fmt: skip

    print(f"Done in {time.perf_counter() - started:.1f} s. Store: {api.root}")
    print(f"Model:      {uri} (criteria {fixed.id}, recorded before the evaluation)")
    print(f"Evaluation: {result.id}: {result.status.upper()}")
    for verdict in result.verdicts:
        c = verdict["criterion"]
        if verdict["scope"] == "group":
            if verdict["outcome"] != "pass":
                print(f"    {verdict['outcome']} in {verdict['group']} (n={verdict['n']}): "
                      f"{c['metric']} {verdict['value']:.3f} "
                      f"[{verdict['low']:.3f}, {verdict['high']:.3f}]")  # fmt: skip
            continue
        where = " in every age band" if verdict["scope"] == "combined" else ""
        bounds = f"[{verdict['low']:.3f}, {verdict['high']:.3f}]" if verdict["low"] is not None \
            else "(per group)"  # fmt: skip
        print(f"  {verdict['outcome'].upper():<13} {c['metric']} {c['op']} {c['threshold']}"
              f"{where}: {bounds}")  # fmt: skip
    for item in result.result.limitations[:5]:
        print(f"  limitation: {item['text']}")
    bin_dir = Path(sys.executable).parent
    print("See it:")
    print(f"  {bin_dir / 'trackrecord'} evaluations show {result.id}")
    print(f"  {bin_dir / 'trackrecord'} lineage model:credit-default/{version.version} --upstream")
    print(f"  {bin_dir / 'trackrecord'} ui      (then Models → credit-default)")


if __name__ == "__main__":
    main()
