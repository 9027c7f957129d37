#!/usr/bin/env python3
"""Reference values for Sources/Research (overfitting statistics and the bootstrap block length).

Regenerate from the package root:

    python3 -m venv /tmp/refvenv && /tmp/refvenv/bin/pip install numpy scipy arch
    /tmp/refvenv/bin/python scripts/reference/overfitting_reference.py

No maintained PyPI package implements PBO by CSCV and the Deflated Sharpe Ratio as a reference
would need (the candidates are single-author releases of 2026), so PSR, DSR and PBO are written
here independently from the papers, computing each split straight from the rows (the Swift code
works from per-block sums). The Politis-White block length is checked against the maintained
`arch` package (arch.bootstrap.optimal_block_length).

Definitions (the Swift code documents the same):
  * Sharpe ratio: mean / std with ddof = 1, per period; 0 for a column that does not vary.
  * Skewness m3 / m2^1.5 and raw kurtosis m4 / m2^2 (population moments).
  * PSR(SR*) = Phi((SR - SR*) sqrt(T - 1) / sqrt(1 - g3 SR + (g4 - 1) / 4 SR^2))
    (Bailey & Lopez de Prado 2014, eq. 9 with T - 1 as in their code).
  * DSR = PSR(SR0), SR0 = sqrt(V) ((1 - gamma) Phi^-1(1 - 1/N) + gamma Phi^-1(1 - 1/(N e))),
    V = variance (ddof 1) of the N trials' Sharpe ratios.
  * PBO by CSCV (Bailey, Borwein, Lopez de Prado & Zhu 2017): the T rows, less the T mod S oldest
    (first) rows, in S contiguous equal blocks; for every choice of S/2 blocks as in-sample (the
    rest out-of-sample), the in-sample best Sharpe (ties: first column) is ranked among all N by
    out-of-sample Sharpe with scipy's average ranks (1 = worst); w = rank / (N + 1);
    logit = ln(w / (1 - w)); PBO = share of splits with logit <= 0; probability of loss = share
    with the winner's out-of-sample Sharpe < 0; degradation = least-squares slope and intercept
    of the winner's out-of-sample on in-sample Sharpe. Splits are enumerated as bit masks in
    increasing order (bit b = block b in-sample).

Writes, in Tests/ResearchTests/Fixtures/:
  overfitting_returns.csv   date,c01..c24: 1,003 seeded daily returns for 24 configurations
      (some with skill, one constant, two identical columns, fat-tailed noise)
  overfitting_expected.csv  name,value
  block_length_series.csv   x: a seeded AR(1) series of 500 values (phi 0.6)
"""
import itertools
import math
import os

import numpy as np
from scipy.stats import norm, rankdata

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "ResearchTests", "Fixtures")
EULER = 0.5772156649015329


def sharpe(x):
    sd = np.std(x, ddof=1)
    return float(np.mean(x) / sd) if sd > 1e-150 else 0.0


def moments(x):
    d = x - x.mean()
    m2 = np.mean(d ** 2)
    if m2 == 0:
        return sharpe(x), len(x), 0.0, 3.0
    return sharpe(x), len(x), float(np.mean(d ** 3) / m2 ** 1.5), float(np.mean(d ** 4) / m2 ** 2)


def psr(sr, t, skew, kurt, benchmark=0.0):
    return float(norm.cdf((sr - benchmark) * math.sqrt(t - 1) / math.sqrt(1 - skew * sr + (kurt - 1) / 4 * sr * sr)))


def expected_max(n, variance):
    return math.sqrt(variance) * ((1 - EULER) * norm.ppf(1 - 1 / n) + EULER * norm.ppf(1 - 1 / (n * math.e)))


def pbo(m, s):
    t, n = m.shape
    per = t // s
    left = t - per * s
    used = m[left:]
    blocks = [used[b * per:(b + 1) * per] for b in range(s)]
    logits, is_sr, oos_sr = [], [], []
    for mask in range(1 << s):
        if bin(mask).count("1") != s // 2:
            continue
        ins = np.vstack([blocks[b] for b in range(s) if mask >> b & 1])
        oos = np.vstack([blocks[b] for b in range(s) if not mask >> b & 1])
        sr_in = np.array([sharpe(ins[:, j]) for j in range(n)])
        sr_out = np.array([sharpe(oos[:, j]) for j in range(n)])
        best = int(np.argmax(sr_in))  # first of ties
        rank = rankdata(sr_out, method="average")[best]
        w = rank / (n + 1)
        logits.append(math.log(w / (1 - w)))
        is_sr.append(sr_in[best])
        oos_sr.append(sr_out[best])
    logits, is_sr, oos_sr = np.array(logits), np.array(is_sr), np.array(oos_sr)
    slope, intercept = np.polyfit(is_sr, oos_sr, 1)
    return {
        "splits": len(logits), "rows_left_out": left, "pbo": float(np.mean(logits <= 0)),
        "probability_of_loss": float(np.mean(oos_sr < 0)), "degradation_slope": float(slope),
        "degradation_intercept": float(intercept), "logit_mean": float(logits.mean()),
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261206)
    t, n = 1003, 24
    skill = np.linspace(-0.02, 0.06, n)
    m = np.empty((t, n))
    for j in range(n):
        noise = rng.standard_t(5, size=t) * 0.01
        m[:, j] = skill[j] * 0.01 + noise
    m[:, 5] = 0.0          # a configuration that never trades
    m[:, 9] = m[:, 8]      # two configurations with identical returns
    m = np.round(m, 8)
    with open(os.path.join(OUT, "overfitting_returns.csv"), "w") as f:
        f.write("date," + ",".join(f"c{j + 1:02d}" for j in range(n)) + "\n")
        day = np.datetime64("2020-01-01")
        for i in range(t):
            f.write(str(day + i) + "," + ",".join(repr(float(v)) for v in m[i]) + "\n")

    rows = []
    # The paper's worked example (annualised inputs, 250 periods a year).
    sr = 2.5 / math.sqrt(250)
    rows.append(("paper_dsr", psr(sr, 1250, -3, 10, expected_max(100, 0.5 / 250))))
    rows.append(("paper_expected_max_annual", expected_max(100, 0.5 / 250) * math.sqrt(250)))
    # PSR and DSR of the best configuration (by full-sample Sharpe) among the 24.
    srs = np.array([sharpe(m[:, j]) for j in range(n)])
    best = int(np.argmax(srs))
    s_, tt, g3, g4 = moments(m[:, best])
    v = float(np.var(srs, ddof=1))
    rows += [("best_column", best), ("best_sharpe", s_), ("best_skewness", g3), ("best_kurtosis", g4),
             ("trial_variance", v), ("psr", psr(s_, tt, g3, g4)), ("dsr", psr(s_, tt, g3, g4, expected_max(n, v)))]
    for s in (8, 16):
        for k, val in pbo(m, s).items():
            rows.append((f"s{s}_{k}", val))
    with open(os.path.join(OUT, "overfitting_expected.csv"), "w") as f:
        f.write("name,value\n")
        for k, val in rows:
            f.write(f"{k},{float(val)!r}\n")

    # Politis-White block length on an AR(1) series, by the arch package.
    from arch.bootstrap import optimal_block_length
    x = np.zeros(500)
    e = rng.standard_normal(500)
    for i in range(1, 500):
        x[i] = 0.6 * x[i - 1] + e[i]
    x = np.round(x, 10)
    opt = optimal_block_length(x)
    with open(os.path.join(OUT, "block_length_series.csv"), "w") as f:
        f.write(f"# arch {__import__('arch').__version__} optimal_block_length: stationary={float(opt['stationary'].iloc[0])!r} circular={float(opt['circular'].iloc[0])!r}\n")
        f.write("x\n")
        for v in x:
            f.write(repr(float(v)) + "\n")
    for k, val in rows:
        print(k, val)
    print("block length", opt)


if __name__ == "__main__":
    main()
