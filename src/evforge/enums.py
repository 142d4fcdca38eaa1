"""Choices that appear in spec files and results."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Axle", "Chemistry", "Layout", "TorqueSplit"]


class Layout(StrEnum):
    """Driven axles."""

    FWD = "FWD"
    RWD = "RWD"
    AWD = "AWD"


class Axle(StrEnum):
    """Axle a motor drives."""

    FRONT = "front"
    REAR = "rear"


class Chemistry(StrEnum):
    """Cell chemistry of the traction battery."""

    LFP = "LFP"
    NMC = "NMC"
    NCA = "NCA"


class TorqueSplit(StrEnum):
    """How an AWD car shares traction and regeneration between its axles.

    ``proportional``: each axle in proportion to its available torque, both motors always
    energised. ``rear_first`` / ``front_first``: the primary axle alone up to its limit, the
    other only for what exceeds it; while it carries nothing it idles (inverter off, no loss).
    """

    PROPORTIONAL = "proportional"
    REAR_FIRST = "rear_first"
    FRONT_FIRST = "front_first"
