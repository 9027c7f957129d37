#!/usr/bin/env python3
"""Optuna drives a tsxlab search over the standard sma-bracket grid through `tsxlab sweep --ask-tell`.

1. Imports the 2019 ES minute bars into a temporary store.
2. Runs the standard 100-configuration grid as a normal `tsxlab sweep` and takes its best
   configuration by net P&L from results.csv (measured, not assumed).
3. Starts `tsxlab sweep … --ask-tell` once (the bars are loaded once for the whole search) and lets
   Optuna's TPE sampler, seeded, propose configurations from the same grid values; each is one JSON
   line to tsxlab and one JSON line back. It stops when the proposal is the grid's best
   configuration (the same config_hash) and prints how many evaluations that took.

    python optimise.py [--tsxlab PATH] [--data ES_1m_2019.csv.gz] [--seed 3] [--startup 10]

Exit status 0 when the grid's best was found in fewer evaluations than the grid has, 1 otherwise.
"""

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import optuna

ROOT = Path(__file__).resolve().parents[2]
# The standard sma-bracket grid (docs/engineering/sweeps.md, the benchmarks, the reference grid file).
GRID = {
    "fast": [5, 10, 20, 30, 50],
    "slow": [60, 90, 120, 160, 200],
    # stop_ticks and target_ticks move together, as the grid pairs them.
    "stop_ticks,target_ticks": ["8:8", "12:24", "20:40", "40:80"],
}
MARKET = ["--strategy", "sma-bracket", "--symbol", "ES", "--commission", "2.50"]


def grid_args():
    return [a for name, values in GRID.items() for a in ("--param", f"{name}={','.join(map(str, values))}")]


def configuration(fast, slow, bracket):
    stop, target = (int(v) for v in bracket.split(":"))
    return {"fast": fast, "slow": slow, "stop_ticks": stop, "target_ticks": target}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tsxlab", default=os.environ.get("TSXLAB_BIN") or shutil.which("tsxlab") or str(ROOT / ".build/debug/tsxlab"))
    parser.add_argument("--data", default=str(ROOT.parent / "shared/datasets/ES_1m_2019.csv.gz"))
    parser.add_argument("--seed", type=int, default=3, help="seed of the TPE sampler")
    parser.add_argument("--startup", type=int, default=10, help="random trials before TPE models the results")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tsxlab-optuna-") as home:
        env = dict(os.environ, TSXLAB_DATA_DIR=home)
        env.pop("TSXLAB_STORE", None)

        def tsxlab(*argv):
            return subprocess.run([args.tsxlab, *argv], env=env, check=True, capture_output=True, text=True)

        tsxlab("data", "import", args.data, "--symbol", "ES", "--timeframe", "1m")

        # The grid's best, measured by a normal sweep (ties: the first in grid order, as the sweep ranks).
        tsxlab("sweep", *MARKET, *grid_args(), "--out", f"{home}/grid")
        with open(f"{home}/grid/results.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        best = max(rows, key=lambda r: float(r["net_pnl_usd"]))
        size = len(rows)
        named = " ".join(f"{k}={best[k]}" for k in ("fast", "slow", "stop_ticks", "target_ticks"))
        print(f"grid: {size} configurations (tsxlab sweep); best by net P&L: {named}, net {best['net_pnl_usd']} USD")

        # One ask/tell session for the whole search.
        session = subprocess.Popen([args.tsxlab, "sweep", *MARKET, "--ask-tell"], env=env, text=True,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=1)

        def evaluate(config):
            session.stdin.write(json.dumps(config) + "\n")
            session.stdin.flush()
            answer = json.loads(session.stdout.readline())
            if "error" in answer:
                raise RuntimeError(f"tsxlab refused {config}: {answer['error']}")
            return answer

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        sampler = optuna.samplers.TPESampler(seed=args.seed, n_startup_trials=args.startup)
        study = optuna.create_study(direction="maximize", sampler=sampler)
        space = {
            "fast": optuna.distributions.CategoricalDistribution(GRID["fast"]),
            "slow": optuna.distributions.CategoricalDistribution(GRID["slow"]),
            "bracket": optuna.distributions.CategoricalDistribution(GRID["stop_ticks,target_ticks"]),
        }
        seen = {}  # a configuration proposed again is told its known result, not evaluated again
        found = None
        for trial_number in range(1, 3 * size + 1):
            trial = study.ask(space)
            config = configuration(trial.params["fast"], trial.params["slow"], trial.params["bracket"])
            key = json.dumps(config, sort_keys=True)
            if key not in seen:
                seen[key] = evaluate(config)
            answer = seen[key]
            study.tell(trial, float(answer["net_pnl_usd"]))
            if answer["config_hash"] == best["config_hash"]:
                found = (len(seen), trial_number, answer)
                break
        session.stdin.close()
        session.wait()

    if found is None:
        print(f"optuna TPE (seed {args.seed}, {args.startup} startup trials) did not find the grid's best in {3 * size} trials "
              f"({len(seen)} evaluations)")
        return 1
    evaluations, trials, answer = found
    print(f"optuna TPE (seed {args.seed}, {args.startup} startup trials): found the grid's best after {evaluations} evaluations "
          f"({trials} trials) against the grid's {size}: {named}, net {answer['net_pnl_usd']:.2f} USD")
    return 0 if evaluations < size else 1


if __name__ == "__main__":
    sys.exit(main())
