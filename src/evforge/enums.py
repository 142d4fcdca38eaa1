"""Choices that appear in spec files and results."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Axle", "Chemistry", "Layout"]


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
