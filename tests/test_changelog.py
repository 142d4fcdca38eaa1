"""The version in pyproject.toml, ``evforge.__version__`` and the newest release in
CHANGELOG.md are the same, and the changelog keeps the Keep a Changelog layout."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import evforge

ROOT = Path(__file__).resolve().parents[1]
# "## [0.2.0] - 2026-12-01": a release heading (the "## [Unreleased]" heading has no date).
_RELEASE = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", re.M)


def _releases() -> list[tuple[str, str]]:
    return _RELEASE.findall((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))


def test_versions_agree() -> None:
    with (ROOT / "pyproject.toml").open("rb") as f:
        project_version = tomllib.load(f)["project"]["version"]
    newest = _releases()[0][0]
    assert project_version == evforge.__version__ == newest


def test_releases_newest_first() -> None:
    releases = _releases()
    assert len(releases) >= 2
    versions = [tuple(int(p) for p in v.split(".")) for v, _ in releases]
    assert versions == sorted(versions, reverse=True)
    dates = [d for _, d in releases]
    assert dates == sorted(dates, reverse=True)
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    # Unreleased changes, if any, sit above the newest release.
    if "## [Unreleased]" in text:
        assert text.index("## [Unreleased]") < text.index(f"## [{releases[0][0]}]")
