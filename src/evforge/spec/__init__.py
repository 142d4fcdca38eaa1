"""Vehicle spec files: schema v1, loading, and the defaults that fill what a spec leaves out."""

from evforge.spec.derive import build_vehicle
from evforge.spec.loader import load_spec, parse_spec
from evforge.spec.schema import VehicleSpec

__all__ = ["VehicleSpec", "build_vehicle", "load_spec", "parse_spec"]
