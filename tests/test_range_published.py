"""Range procedures against the published figures of the bundled real cars."""

from __future__ import annotations

import numpy as np

from evforge.validation.published import load_published
from evforge.validation.range_published import PREDICTED, compare_range


def test_every_published_range_figure_gets_a_prediction() -> None:
    published = load_published()
    expected = published[published["metric"].isin(PREDICTED)]
    frame = compare_range(published)
    assert len(frame) == len(expected)
    assert np.isfinite(frame["predicted"]).all()
    assert (frame["predicted"] > 0).all()


def test_unadjusted_lab_results_of_the_real_cars() -> None:
    # The like-for-like comparison: the 2-cycle lab MPGe of fueleconomy.gov (UCity,
    # UHighway) against the model run on the EPA Test Car List road load of the same car.
    # Measured 2026-12-01 over 11 cars with the joint-fit coefficients (issue 9): mean
    # |error| 9.1 % (city) and 6.2 % (highway); the worst is the two-speed Porsche Taycan,
    # +25.2 % city (its second gear ratio and gearbox losses are not modelled; see the EPA
    # validation report). Regression bounds a point above those figures.
    frame = compare_range(load_published())
    for metric, mean, worst in (("epa_ucity_mpge", 10.0, 26.5), ("epa_uhighway_mpge", 7.5, 18.0)):
        errors = frame.loc[frame["metric"] == metric, "error_pct"].abs()
        assert len(errors) >= 10
        assert errors.mean() < mean
        assert errors.max() < worst
