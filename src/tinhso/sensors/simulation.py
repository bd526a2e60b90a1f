"""Synthetic salinity series: tide, spring–neap cycle, dry-season rise, sensor faults.

**Synthetic, not measured.** The shape of the dry season was chosen by reading once the daily
series of the 2015–2016 event that the MKDC DSS4 forecast tool published (GitHub
``thangqd/dss4``; no licence, so the series itself is not in this project). What was taken from
it are a few rounded numbers, hard-coded below:

* monthly mean salinity relative to the season's highest month (2016, largest series S1):
  Jan 0.75, Feb 0.97, Mar 1.0, Apr 0.65, May 0.6, Jun 0.35 — the peak in early February
  (daily maximum 19.7 on 2016-02-07);
* a day's maximum is about 1.5–2 times its mean (median of max − mean ≈ 0.5 × mean).

Everything else is textbook: the semi-diurnal lunar tide M2 (12.42 h) beating with the solar
S2 (12.00 h) gives the spring–neap cycle of 14.77 days; a diurnal K1 term (23.93 h) gives the
daily inequality of the Mekong's mixed tide. Each station's peak comes from
``data/stations.json`` (``synthetic_peak_g_per_l``), set by hand from the bulletins of 2018 and
2020 and the distance from the sea; stations further upstream lag the tide.
"""

import datetime
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

M2_HOURS = 12.42
K1_HOURS = 23.93
SPRING_NEAP_DAYS = 14.77
FRESH = 0.12  # g/L, river water in the flood season
PEAK_TO_MEAN = 1.9  # daily maximum ÷ daily mean at the peak of the season (DSS4 2016: 19.7 / 10.1)
# (day of year, fraction of the peak mean): mid-month anchors, interpolated linearly.
SEASON = [
    (15, 0.75),  # January
    (46, 1.0),  # February (2016: peak on 7 February)
    (74, 1.0),  # March
    (105, 0.65),  # April
    (135, 0.55),  # May
    (166, 0.3),  # June: rains begin
    (196, 0.05),  # July–October: flood season, fresh water
    (288, 0.03),
    (319, 0.12),  # November
    (349, 0.45),  # December
]
EPOCH = datetime.datetime(2000, 1, 6, 18, 14, tzinfo=datetime.UTC)  # a new moon: spring tides


def season_factor(moment: datetime.datetime) -> float:
    day = moment.timetuple().tm_yday + moment.hour / 24
    points = [(d - 365, f) for d, f in SEASON[-1:]] + SEASON + [(d + 365, f) for d, f in SEASON[:1]]
    for (d0, f0), (d1, f1) in itertools.pairwise(points):
        if d0 <= day <= d1:
            return f0 + (f1 - f0) * (day - d0) / (d1 - d0)
    return SEASON[0][1]


def tide(moment: datetime.datetime, lag_hours: float = 0.0) -> float:
    """Tidal forcing in [-1, 1] (mixed, mainly semi-diurnal)."""
    hours = (moment - EPOCH).total_seconds() / 3600 - lag_hours
    return 0.8 * math.cos(2 * math.pi * hours / M2_HOURS) + 0.2 * math.cos(
        2 * math.pi * hours / K1_HOURS
    )


def spring_neap(moment: datetime.datetime) -> float:
    """Amplitude of the tidal swing: about 0.9 at spring tides, 0.2 at neap tides."""
    days = (moment - EPOCH).total_seconds() / 86400
    return 0.55 + 0.35 * math.cos(2 * math.pi * days / SPRING_NEAP_DAYS)


def salinity(
    moment: datetime.datetime, peak: float, lag_hours: float = 0.0, severity: float = 1.0
) -> float:
    """The noiseless synthetic salinity (g/L) of a station whose season peak is ``peak``."""
    mean = severity * season_factor(moment) * peak / PEAK_TO_MEAN
    return FRESH + mean * max(0.0, 1 + spring_neap(moment) * tide(moment, lag_hours))


@dataclass
class Faults:
    """Per-reading probabilities of sensor faults (0 = never)."""

    spike: float = 0.0  # one reading multiplied by 3–6 (may exceed the valid range)
    stuck: float = 0.0  # the value freezes for 10–60 readings
    dropout: float = 0.0  # no readings for 10–120 steps
    malformed: float = 0.0  # a payload that is not a valid Observation


@dataclass
class StationSeries:
    """An endless series of (time, value or None for a malformed payload) for one station."""

    peak: float
    start: datetime.datetime
    step: datetime.timedelta
    lag_hours: float = 0.0
    severity: float = 1.0
    faults: Faults = field(default_factory=Faults)
    seed: int = 0

    def __iter__(self) -> Iterator[tuple[datetime.datetime, float | None]]:
        rng = random.Random(self.seed)  # noqa: S311 - simulation, not security
        moment = self.start
        stuck_for, stuck_value, drop_for = 0, 0.0, 0
        while True:
            value = salinity(moment, self.peak, self.lag_hours, self.severity)
            value *= 1 + rng.gauss(0, 0.03)
            value = max(0.05, value)
            if drop_for:
                drop_for -= 1
            elif rng.random() < self.faults.dropout:
                drop_for = rng.randint(10, 120)
            elif stuck_for:
                stuck_for -= 1
                yield moment, stuck_value
            elif rng.random() < self.faults.stuck:
                stuck_for, stuck_value = rng.randint(10, 60), value
                yield moment, value
            elif rng.random() < self.faults.malformed:
                yield moment, None
            elif rng.random() < self.faults.spike:
                yield moment, value * rng.uniform(3, 6)
            else:
                yield moment, value
            moment += self.step
