#!/usr/bin/env python3
"""Prints the CME equity index futures holiday table of Sources/Data/Resources/cme-equity-holidays.csv.

    python3 scripts/reference/cme_equity_holidays.py > /tmp/holidays.csv

The table is committed as data (the resource file, loaded by `SessionCalendar.cmeEquityIndex`);
this script only drafts it from the US holiday rules plus the known exceptions below, so a reviewer
can see which rows are rule-made and which are one-offs. Keep the two in step by hand when a year is
added: paste the new rows into the file, give each its source, and check them against CME's
holiday calendar.

Columns: date (the CME trade date, YYYY-MM-DD), kind (closed | early_close), close_ct (HH:MM,
America/Chicago, early_close only), source (here "rules" or "one-off"; the file names the evidence),
note.
Standard library only.
"""
import datetime as dt

FIRST, LAST = 2013, 2026


def nth_weekday(year, month, weekday, n):
    """n-th (1-based) weekday (0 = Monday) of a month; n = -1 for the last."""
    if n > 0:
        d = dt.date(year, month, 1)
        d += dt.timedelta(days=(weekday - d.weekday()) % 7)
        return d + dt.timedelta(weeks=n - 1)
    d = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return d - dt.timedelta(days=(d.weekday() - weekday) % 7)


def easter(year):
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def observed(d, saturday_to_friday=True):
    """Federal observance: Saturday -> Friday, Sunday -> Monday."""
    if d.weekday() == 5:
        return d - dt.timedelta(days=1) if saturday_to_friday else None
    if d.weekday() == 6:
        return d + dt.timedelta(days=1)
    return d


def halt(year):
    # CME halted equity index futures at 10:30 CT on holidays until at least 2014 (CME notices
    # 2006-2013, a 2013-07-04 broker notice, CFE's May 2014 filing aligning with it); the
    # 2016-2021 FirstRateData files show 12:00 CT. 2015 is assumed 12:00.
    return "10:30" if year <= 2014 else "12:00"


# Good Fridays on which payrolls were released and CME traded equity index futures until 08:15 CT.
GOOD_FRIDAY_SHORT = {
    2015: "Good Friday; payrolls day: equity futures traded until 08:15 CT (09:15 ET)",
    2021: "Good Friday; payrolls day: short morning session until 08:15 CT (ES_1m_2021: 883 bars, last 08:14 CT)",
    2023: "Good Friday; payrolls day: equity futures traded until 08:15 CT (09:15 ET)",
    2026: "Good Friday; payrolls day: 08:15 CT assumed from the 2015/2021/2023 precedent - confirm with CME",
}

EXTRA = [
    (dt.date(2018, 12, 5), "early_close", "08:30",
     "National day of mourning (George H. W. Bush): trading stopped 08:30 CT (09:30 ET)"),
    (dt.date(2025, 1, 9), "early_close", "08:30",
     "National day of mourning (Jimmy Carter): equity futures closed 08:30 CT"),
]


def rows():
    out = []
    for y in range(FIRST, LAST + 2):
        ny = observed(dt.date(y, 1, 1), saturday_to_friday=False)
        if ny:
            out.append((ny, "closed", "", "New Year's Day" + (" (observed)" if ny.day != 1 else "")))
        if y > LAST:
            break
        out.append((nth_weekday(y, 1, 0, 3), "early_close", halt(y), "Martin Luther King Jr. Day"))
        out.append((nth_weekday(y, 2, 0, 3), "early_close", halt(y), "Presidents' Day"))
        gf = easter(y) - dt.timedelta(days=2)
        if y in GOOD_FRIDAY_SHORT:
            out.append((gf, "early_close", "08:15", GOOD_FRIDAY_SHORT[y]))
        else:
            out.append((gf, "closed", "", "Good Friday"))
        out.append((nth_weekday(y, 5, 0, -1), "early_close", halt(y), "Memorial Day"))
        if y >= 2022:
            j = observed(dt.date(y, 6, 19))
            out.append((j, "early_close", "12:00", "Juneteenth" + (" (observed)" if j.day != 19 else "")))
        j4 = observed(dt.date(y, 7, 4))
        out.append((j4, "early_close", halt(y), "Independence Day" + (" (observed)" if j4.day != 4 else "")))
        eve = dt.date(y, 7, 3)
        if eve.weekday() < 4 and j4.day == 4:  # July 3 Monday-Thursday, July 4 a weekday
            out.append((eve, "early_close", "12:15", "Day before Independence Day"))
        out.append((nth_weekday(y, 9, 0, 1), "early_close", halt(y), "Labor Day"))
        tg = nth_weekday(y, 11, 3, 4)
        out.append((tg, "early_close", halt(y), "Thanksgiving Day"))
        out.append((tg + dt.timedelta(days=1), "early_close", "12:15", "Day after Thanksgiving"))
        xmas = observed(dt.date(y, 12, 25))
        ceve = dt.date(y, 12, 24)
        if ceve.weekday() < 5 and ceve != xmas:
            out.append((ceve, "early_close", "12:15", "Christmas Eve"))
        out.append((xmas, "closed", "", "Christmas Day" + (" (observed)" if xmas.day != 25 else "")))
    out.extend(EXTRA)
    out.sort()
    return out


if __name__ == "__main__":
    one_offs = {d for d, _, _, _ in EXTRA} | {
        easter(y) - dt.timedelta(days=2) for y in GOOD_FRIDAY_SHORT}
    print("date,kind,close_ct,source,note")
    for d, kind, close, note in rows():
        print(f"{d.isoformat()},{kind},{close},{'one-off' if d in one_offs else 'rules'},{note}")
