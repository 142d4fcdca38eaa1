"""Climate: cabin heating and cooling, battery temperature, and the runs that use them.

Pure physics in :mod:`evforge.climate.physics`; the parameters a car carries in
:mod:`evforge.climate.params`; how an ambient temperature turns into the kernel's inputs
(auxiliary power over time, pack resistance, usable charge) in :mod:`evforge.climate.model`.
"""

from evforge.climate.params import Ambient, ClimateParams, Heating

__all__ = ["Ambient", "ClimateParams", "Heating"]
