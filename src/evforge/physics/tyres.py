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

__all__ = [
    "ETRTO_ROLLING_CIRCUMFERENCE_FACTOR",
    "ISO_28580_DRUM_RADIUS_M",
    "drum_to_flat_rolling_resistance",
    "overall_diameter_m",
    "rolling_radius_m",
]

#: ETRTO factor: dynamic rolling circumference ≈ 3.05 × overall diameter (radial tyres) [2].
ETRTO_ROLLING_CIRCUMFERENCE_FACTOR: Final = 3.05
_MM_PER_INCH: Final = 25.4
#: Radius of the ISO 28580 test drum (2.0 m diameter) [m], on which EU-label RRCs are measured.
ISO_28580_DRUM_RADIUS_M: Final = 1.0


def overall_diameter_m(section_width_mm: float, aspect_ratio_pct: float, rim_in: float) -> float:
    """Nominal overall diameter of a metric tyre [m]: rim + 2 × sidewall height [1]."""
    return (rim_in * _MM_PER_INCH + 2.0 * section_width_mm * aspect_ratio_pct / 100.0) / 1000.0


def rolling_radius_m(section_width_mm: float, aspect_ratio_pct: float, rim_in: float) -> float:
    """Dynamic rolling radius [m] from the ETRTO rolling-circumference rule [2].

    r = 3.05 D / (2π), about 3 % below the unloaded radius D/2.

    Examples
    --------
    >>> round(rolling_radius_m(215, 55, 17), 4)
    0.3244
    """
    diameter = overall_diameter_m(section_width_mm, aspect_ratio_pct, rim_in)
    return ETRTO_ROLLING_CIRCUMFERENCE_FACTOR * diameter / (2.0 * math.pi)


def drum_to_flat_rolling_resistance(drum_coefficient: float, tyre_radius_m: float) -> float:
    """Rolling resistance coefficient on a flat road from one measured on a test drum [-].

    C_flat = C_drum / √(1 + r_T / R_drum): the drum's curvature deflects the tyre more than a
    flat road does (Clark & Dodge, *A Handbook for the Rolling Resistance of Pneumatic Tires*,
    1979; the correction used with SAE J1269 / ISO 28580 drum data). With the ISO 28580 drum
    (R = 1.0 m) and a 0.33 m tyre, C_flat = 0.87 C_drum.

    Examples
    --------
    >>> round(drum_to_flat_rolling_resistance(0.008, 0.33), 5)
    0.00694
    """
    return drum_coefficient / math.sqrt(1.0 + tyre_radius_m / ISO_28580_DRUM_RADIUS_M)
