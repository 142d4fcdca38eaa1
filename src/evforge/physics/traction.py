"""Tyre-road traction limit with longitudinal load transfer, for one or two driven axles.

A rigid car on a grade θ, accelerating, with its centre of gravity (CoG) at height h and the
wheelbase L. Taking moments about the contact patches (Gillespie [1], eqs. 2-6 and 2-7; Wong
[2], §3.1), the normal load on each axle is its static share of m g cos θ plus or minus the
load transfer from the forces acting at the CoG::

    W_f = ψ m g cos θ - ΔW,     W_r = (1 - ψ) m g cos θ + ΔW,
    ΔW  = (F_x - R_x) h / L

where ψ is the static front-axle load share, F_x the total tractive force at the ground and
R_x the rolling resistance (which acts at ground level and transfers no load). The force at
the CoG, F_x - R_x = m a + D + m g sin θ, lumps inertia, grade and aerodynamic drag; taking the
drag at CoG height rather than at the centre of pressure, and leaving out aerodynamic lift,
are the usual simplifications of [1] (eq. 2-17 and the text around it). Each axle can carry
at most μ W of tractive force, μ the tyres' peak friction coefficient (the peak of the μ-slip
curve, reached with traction control holding the optimum slip).

Because the limits depend on the total force, the total force F delivered by motors able to
give F_f,mot and F_r,mot at the ground is the fixed point

    F = min(F_f,mot, μ W_f(F)) + min(F_r,mot, μ W_r(F))

:func:`traction_limited_force` solves it. The torque allocation this describes is: each axle
gets what its motor can give, up to the friction limit under the current load transfer. When
neither motor saturates, both axles reach μ W together (the split follows the dynamic axle
load, the ideal distribution of [1] §2); when one motor saturates, the other axle takes the
rest up to its own limit. A two-wheel-drive car is the case F_mot = 0 on one axle.

References
----------
.. [1] T. D. Gillespie, *Fundamentals of Vehicle Dynamics*, SAE, 1992, ch. 2 (acceleration
   performance: axle loads, traction-limited acceleration, eqs. 2-6, 2-7, 2-17 to 2-20).
.. [2] J. Y. Wong, *Theory of Ground Vehicles*, 3rd ed., Wiley, 2001, ch. 3 (vehicle
   performance: tractive effort limited by adhesion, weight transfer).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from evforge.units import G_STANDARD_MPS2

__all__ = ["axle_loads", "traction_limited_force"]

FloatArray = npt.NDArray[np.float64]

# The fixed-point map contracts by μ h / L per iteration (< 0.6 for any road car on dry
# asphalt: μ ≤ 1.5, h/L ≤ 0.4); 60 iterations reach machine precision even at that bound.
_FIXED_POINT_ITERATIONS = 60


def axle_loads(
    mass_kg: float,
    cos_grade: FloatArray | float,
    front_share: float,
    force_at_cog_n: FloatArray | float,
    cog_height_m: float,
    wheelbase_m: float,
) -> tuple[FloatArray, FloatArray]:
    """Normal loads on the front and rear axles [N] with longitudinal load transfer.

    Parameters
    ----------
    mass_kg : float
        Vehicle mass m [kg].
    cos_grade : float or array
        cos θ of the road grade [-].
    front_share : float
        Static front-axle share ψ of the weight on level ground [-].
    force_at_cog_n : float or array
        Longitudinal force acting at the CoG, F_x - R_x = m a + D + m g sin θ [N]
        (positive forward acceleration or uphill).
    cog_height_m : float
        CoG height h above the ground [m].
    wheelbase_m : float
        Wheelbase L [m].

    Returns
    -------
    (array, array)
        W_f, W_r [N]. Not clipped at zero: a negative W_f means the front wheels lift.

    References
    ----------
    Gillespie (1992), eqs. 2-6 and 2-7.
    """
    weight = mass_kg * G_STANDARD_MPS2 * np.asarray(cos_grade, dtype=np.float64)
    transfer = np.asarray(force_at_cog_n, dtype=np.float64) * cog_height_m / wheelbase_m
    return front_share * weight - transfer, (1.0 - front_share) * weight + transfer


def traction_limited_force(
    front_motor_force_n: FloatArray,
    rear_motor_force_n: FloatArray,
    mass_kg: float,
    cos_grade: FloatArray | float,
    rolling_force_n: FloatArray | float,
    front_share: float,
    cog_height_m: float,
    wheelbase_m: float,
    friction: float,
) -> tuple[FloatArray, FloatArray]:
    """Tractive force of each axle [N] with the friction limit under load transfer.

    Parameters
    ----------
    front_motor_force_n, rear_motor_force_n : array
        The force each axle's motors can give at the ground [N], ≥ 0 (zero: not driven).
    mass_kg : float
        Vehicle mass m [kg].
    cos_grade : float or array
        cos θ of the road grade [-].
    rolling_force_n : float or array
        Rolling resistance R_x [N], which acts at the ground and transfers no load.
    front_share : float
        Static front-axle load share ψ [-].
    cog_height_m : float
        CoG height h [m].
    wheelbase_m : float
        Wheelbase L [m].
    friction : float
        Peak tyre-road friction coefficient μ [-].

    Returns
    -------
    (array, array)
        F_f, F_r [N]: the force each axle delivers, F_f + F_r the fixed point of the module
        notes. Each is ≤ its motor force and ≤ μ times its axle load.

    Notes
    -----
    The fixed-point map F ↦ Σ min(F_mot, μ W(F)) has slope of magnitude at most μ h / L < 1,
    so plain iteration from F = Σ F_mot converges to the unique solution.

    References
    ----------
    Gillespie (1992), eqs. 2-17 to 2-20 (traction-limited acceleration, front and rear
    drive; the closed forms there are the one-axle cases of this fixed point).
    """
    mf = np.asarray(front_motor_force_n, dtype=np.float64)
    mr = np.asarray(rear_motor_force_n, dtype=np.float64)
    total = mf + mr
    ff = mf
    fr = mr
    for _ in range(_FIXED_POINT_ITERATIONS):
        wf, wr = axle_loads(
            mass_kg, cos_grade, front_share, total - rolling_force_n, cog_height_m, wheelbase_m
        )
        ff = np.minimum(mf, friction * np.maximum(wf, 0.0))
        fr = np.minimum(mr, friction * np.maximum(wr, 0.0))
        total = ff + fr
    return ff, fr
