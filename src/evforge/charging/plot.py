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
    """Draw the sessions: charger power and SOC against time, and power against SOC.

    Two panels, one above the other, sized for a report page (6.5 x 6 in, 150 dpi); the
    legend sits below the panels, off the curves. The format follows the extension of
    ``path`` (``.png``, ``.svg``, ``.pdf``).

    Parameters
    ----------
    results : sequence of ChargeResult
        Sessions to draw, one colour each.
    path : str or Path
        Output file.
    published_min : sequence of float or None, optional
        A published session time per result, marked by a vertical dotted line where known.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, ax_p) = plt.subplots(2, 1, figsize=(6.5, 6.0), dpi=150)
    ax_soc = ax.twinx()
    for k, r in enumerate(results):
        colour = f"C{k}"
        minutes = r.time_s / 60.0
        ax.plot(minutes, r.power_inlet_w / 1e3, color=colour, label=f"{r.vehicle}")
        ax_soc.plot(minutes, r.soc * 100.0, color=colour, linestyle="--", linewidth=1)
        ax_p.plot(r.soc * 100.0, r.power_inlet_w / 1e3, color=colour)
        pub = published_min[k] if published_min is not None else None
        if pub is not None:
            label = f"{r.vehicle}: published {pub:g} min"
            ax.axvline(pub, color=colour, linestyle=":", label=label)
    ax.set_xlabel("time [min]")
    ax.set_ylabel("charger power [kW] (solid)")
    ax_soc.set_ylabel("state of charge [%] (dashed)")
    ax.set_ylim(bottom=0.0)
    ax_soc.set_ylim(0.0, 100.0)
    ax.grid(True, alpha=0.3)
    ax_p.set_xlabel("state of charge [%]")
    ax_p.set_ylabel("charger power [kW]")
    ax_p.set_ylim(bottom=0.0)
    ax_p.grid(True, alpha=0.3)
    title = f"DC charging {results[0].soc_from * 100:.0f}-{results[0].soc_to * 100:.0f} %"
    ax.set_title(
        f"{title}, {results[0].charger} charger, ambient {results[0].ambient_c:g} °C", fontsize=10
    )
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=7, frameon=False)
    fig.tight_layout(rect=(0.0, 0.04 + 0.025 * ((len(labels) + 1) // 2), 1.0, 1.0))
    fig.savefig(path)
    plt.close(fig)
