"""Plot of charging sessions: power and state of charge vs time (matplotlib, Agg backend)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from evforge.charging.session import ChargeResult

__all__ = ["plot_sessions"]


def plot_sessions(
    results: Sequence[ChargeResult],
    path: str | Path,
    published_min: Sequence[float | None] | None = None,
) -> None:
    """Write a PNG: charger power (left axis) and SOC (right axis) against time.

    Parameters
    ----------
    results : sequence of ChargeResult
        Sessions to draw, one colour each.
    path : str or Path
        Output file (PNG).
    published_min : sequence of float or None, optional
        A published session time per result, marked by a vertical dotted line where known.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=120)
    ax_soc = ax.twinx()
    for k, r in enumerate(results):
        colour = f"C{k}"
        minutes = r.time_s / 60.0
        ax.plot(minutes, r.power_inlet_w / 1e3, color=colour, label=f"{r.vehicle} power")
        ax_soc.plot(minutes, r.soc * 100.0, color=colour, linestyle="--", linewidth=1)
        pub = published_min[k] if published_min is not None else None
        if pub is not None:
            ax.axvline(pub, color=colour, linestyle=":", label=f"published {pub:g} min")
    ax.set_xlabel("time [min]")
    ax.set_ylabel("power from the charger [kW] (solid)")
    ax_soc.set_ylabel("state of charge [%] (dashed)")
    ax.set_ylim(bottom=0.0)
    ax_soc.set_ylim(0.0, 100.0)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower left", fontsize=7)
    title = f"DC charging {results[0].soc_from * 100:.0f}-{results[0].soc_to * 100:.0f} %"
    ax.set_title(f"{title}, {results[0].charger} charger, ambient {results[0].ambient_c:g} °C")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
