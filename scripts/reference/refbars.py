"""Pieces the reference scripts share: reading a shared bar file and the CME trade date.

Written from the datasets README and the CME calendar, not from the Swift code they check.
"""

import csv
import datetime as dt
import gzip
from zoneinfo import ZoneInfo

CHICAGO = ZoneInfo("America/Chicago")
UTC = dt.timezone.utc


def read_bars(path):
    """Yields (epoch seconds, open, high, low, close) as floats from a gzip bar file."""
    with gzip.open(path, "rt", newline="") as fh:
        r = csv.reader(fh)
        assert next(r) == ["timestamp", "open", "high", "low", "close", "volume"]
        for row in r:
            t = int(dt.datetime.strptime(row[0], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())
            yield (t, float(row[1]), float(row[2]), float(row[3]), float(row[4]))


def trade_date(t):
    """The CME trade date of a bar starting at epoch `t`: the session from 17:00 Chicago (the
    16:00-17:00 halt counts forward) rolls to the next weekday."""
    local = dt.datetime.fromtimestamp(t, CHICAGO)
    d = local.date()
    if (local.hour, local.minute) >= (16, 0):
        d += dt.timedelta(days=1)
    while d.weekday() >= 5:
        d += dt.timedelta(days=1)
    return d
