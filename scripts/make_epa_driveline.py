"""Derive ``epa_testcar_bev_driveline.csv`` (driveline columns of the EPA Test Car List).

The validation summary ``epa_testcar_bev_summary.csv`` keeps one row per (Test Car List file,
model year, test vehicle, configuration) but not the driveline columns of the raw lists. This
script takes them from the team's BEV extracts of the yearly lists (all 67 original columns,
``shared/data/epa/*.bev.csv``, provenance in that folder's PROVENANCE.md) for the same keys:

- ``Tested Transmission Type``, ``# of Gears``, ``Axle Ratio``, ``N/V Ratio`` (engine, here
  motor, speed per vehicle speed [rpm/mph] in top gear), copied as written;
- ``n_tests``: how many test rows the vehicle has in that file; ``nv_values``: how many
  distinct N/V values they carry (the most common is kept; ties: the smallest).

Values are copied unchanged; placeholders (0, 999, 1.1 ...) are cleaned where they are read
(:func:`evforge.validation.epa.clean_nv_ratio`). Run from the repository root::

    python scripts/make_epa_driveline.py ../shared/data/epa
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

OUT = Path("src/evforge/validation/data/epa_testcar_bev_driveline.csv")
KEY = ["source_file", "Model Year", "Test Vehicle ID", "Test Veh Configuration #"]
COLUMNS = ["Tested Transmission Type", "# of Gears", "Axle Ratio", "N/V Ratio"]


def _read(path: Path) -> pd.DataFrame:
    # The 2015/2016 lists are latin-1; the later ones were written as UTF-8.
    encoding = "latin-1" if path.name[:2] in ("15", "16") else "utf-8-sig"
    frame = pd.read_csv(path, encoding=encoding)
    frame["source_file"] = path.name
    return frame


def _mode(values: pd.Series) -> object:
    modes = values.mode()
    return modes.min() if len(modes) else None


def main(folder: Path) -> None:
    summary = pd.read_csv(OUT.parent / "epa_testcar_bev_summary.csv")
    files = sorted(set(summary["source_file"]))
    raw = pd.concat([_read(folder / name) for name in files], ignore_index=True)
    grouped = raw.groupby(KEY, sort=True)
    table = grouped[COLUMNS].agg(_mode)
    table["n_tests"] = grouped.size()
    table["nv_values"] = grouped["N/V Ratio"].nunique()
    table = table.reset_index()
    keys = summary[KEY].drop_duplicates()
    out = keys.merge(table, on=KEY, how="left", validate="one_to_one")
    missing = out["N/V Ratio"].isna().sum()
    if missing:
        raise SystemExit(f"{missing} summary rows have no raw test row")
    out.to_csv(OUT, index=False)
    print(f"wrote {OUT} ({len(out)} rows)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/epa"))
