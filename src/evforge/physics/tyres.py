"""Tyre geometry.

References
----------
.. [1] ISO 4000-1:2021, Passenger car tyres and rims - Part 1: Tyres (metric series):
   designation "section width / aspect ratio R rim diameter".
.. [2] ETRTO Standards Manual, General Information: the dynamic rolling circumference of a
   radial passenger-car tyre is estimated as 3.05 times the overall diameter.
"""

from __future__ import annotations

import math
from typing import Final

__all__ = ["ETRTO_ROLLING_CIRCUMFERENCE_FACTOR", "overall_diameter_m", "rolling_radius_m"]

#: ETRTO factor: dynamic rolling circumference ≈ 3.05 × overall diameter (radial tyres) [2].
ETRTO_ROLLING_CIRCUMFERENCE_FACTOR: Final = 3.05
_MM_PER_INCH: Final = 25.4


def overall_diameter_m(section_width_mm: float, aspect_ratio_pct: float, rim_in: float) -> float:
    """Nominal overall diameter of a metric tyre [m]: rim + 2 × sidewall height [1]."""
    return (rim_in * _MM_PER_INCH + 2.0 * section_width_mm * aspect_ratio_pct / 100.0) / 1000.0


def rolling_radius_m(section_width_mm: float, aspect_ratio_pct: float, rim_in: float) -> float:
    """Dynamic rolling radius [m] from the ETRTO rolling-circumference rule [2].

    r = 3.05 D / (2π), about 3 % below the unloaded radius D/2.

    Examples
    --------
    >>> round(rolling_radius_m(215, 55, 17), 4)
    0.3233
    """
    diameter = overall_diameter_m(section_width_mm, aspect_ratio_pct, rim_in)
    return ETRTO_ROLLING_CIRCUMFERENCE_FACTOR * diameter / (2.0 * math.pi)
