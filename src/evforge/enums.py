"""Choices that appear in spec files and results."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Axle", "Chemistry", "CurbDefinition", "Layout", "MotorTechnology", "TorqueSplit"]


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


class MotorTechnology(StrEnum):
    """Traction-machine type (docs/model.md, motor and inverter losses)."""

    PMSM = "pmsm"  # permanent-magnet synchronous (interior PM, PM-assisted reluctance)
    INDUCTION = "induction"  # asynchronous, squirrel-cage rotor
    EESM = "eesm"  # separately (electrically) excited synchronous, wound rotor


class CurbDefinition(StrEnum):
    """What a spec's ``mass.curb`` means (docs/spec-format.md)."""

    US_CURB = "us_curb"  # US curb weight: full fluids, no driver (40 CFR 86.1803-01)
    DIN = "din"  # DIN 70020 / ISO 1176 kerb mass, no driver
    GB_CURB = "gb_curb"  # GB/T 3730.2 整车整备质量, no driver
    EU_RUNNING_ORDER = "eu_running_order"  # EU mass in running order, incl. 75 kg driver
