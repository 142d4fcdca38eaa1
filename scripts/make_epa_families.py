"""Derive ``epa_testcar_bev_families.csv``: the vehicle family of each EPA Test Car List BEV row.

The make and model strings of the Test Car List are typed by each maker and are messy (make
"Tesla Model S" with model "100D", make "2024" with model "Air Pure RWD w/20\" wheels", make
"BMW" for a MINI or a Rolls-Royce, trims, wheel sizes and drive in the model). A *family* is the
make and model in lower case, without trim, year, battery, wheel or drive (``tesla model 3``,
``audi e-tron gt``, ``chevrolet bolt euv``). It is what evforge joins ``motor_technology.csv``
on and what it groups by to split train and test rows, so that no model is on both sides.

Each row's text ``"<make> <model>"`` (lower case, whitespace squeezed) is matched against the
ordered regular expressions of :data:`RULES`; the first that matches gives the family. Choices
worth knowing (also in PROVENANCE.md): body variants that keep the model name stay in the
family (Sportback, Cross/Sport Turismo, coupe/convertible, Audi's 2024 rename e-tron -> Q8
e-tron, the sensor-fitted Ioniq 5 Robotaxi and I-Pace Autonomous); models sold under their own
name are their own family (Bolt EV vs Bolt EUV, EQE vs EQE SUV, Hummer EV Pickup vs SUV,
GranTurismo vs GranCabrio, Cruise AV although it is built on a Bolt EV). The script stops if a
row matches no rule. Run from the repository root::

    .venv/bin/python scripts/make_epa_families.py
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

DATA = Path("src/evforge/validation/data")
SUMMARY = DATA / "epa_testcar_bev_summary.csv"
OUT = DATA / "epa_testcar_bev_families.csv"
KEY = ["source_file", "Model Year", "Test Vehicle ID", "Test Veh Configuration #"]

# (pattern on "<make> <model>" in lower case, family); first match wins, so the more specific
# pattern of a pair (e-tron GT before e-tron, Bolt EUV before Bolt) comes first.
RULES: list[tuple[str, str]] = [
    # Lucid writes the model year as the make ("2022" / "Lucid Air Dream P").
    (r"^20\d\d (lucid )?air\b", "lucid air"),
    (r"^acura zdx\b", "acura zdx"),
    (r"^audi (rs )?e-tron gt\b", "audi e-tron gt"),
    (r"^audi q4", "audi q4 e-tron"),
    (r"^audi (audi )?(s?q8 )?(sportback )?e-tron\b", "audi e-tron"),
    # BMW files the MINI and the Rolls-Royce under its own name.
    (r"^bmw mini cooper se\b", "mini cooper se"),
    (r"spectre\b", "rolls-royce spectre"),
    (r"^bmw i3", "bmw i3"),
    (r"^bmw i4\b", "bmw i4"),
    (r"^bmw i5\b", "bmw i5"),
    (r"^bmw i7\b", "bmw i7"),
    (r"^bmw ix\b", "bmw ix"),
    (r"^byd e6\b", "byd e6"),
    (r"^bluecar bluecar\b", "bollore bluecar"),
    (r"^bugatti rimac nevera\b", "rimac nevera"),
    (r"^rimac concept_one\b", "rimac concept one"),
    (r"^cadillac lyriq\b", "cadillac lyriq"),
    (r"^chevrolet blazer ev\b", "chevrolet blazer ev"),
    (r"^chevrolet bolt euv\b", "chevrolet bolt euv"),
    # MY2017-2019 lists call the Bolt EV just "BOLT".
    (r"^chevrolet bolt( ev)?$", "chevrolet bolt ev"),
    (r"^chevrolet equinox ev\b", "chevrolet equinox ev"),
    (r"^chevrolet silverado ev\b", "chevrolet silverado ev"),
    (r"^chevrolet spark ev\b", "chevrolet spark ev"),
    (r"^cruise av$", "cruise av"),
    (r"^cruise origin$", "cruise origin"),
    (r"^canoo ldv\b", "canoo ldv"),
    (r"^faraday ff 91\b", "faraday future ff 91"),
    (r"^fiat 500e\b", "fiat 500e"),
    (r"^fisker ocean\b", "fisker ocean"),
    (r"^ford f-150 lightning\b", "ford f-150 lightning"),
    (r"^ford focus$", "ford focus electric"),
    (r"^ford (mustang )?mach-e\b", "ford mustang mach-e"),
    (r"^gmc hummer ev pickup\b", "gmc hummer ev pickup"),
    (r"^gmc hummer ev suv\b", "gmc hummer ev suv"),
    (r"^genesis electrified g80\b", "genesis electrified g80"),
    (r"^genesis electrified gv70\b", "genesis electrified gv70"),
    (r"^genesis gv60\b", "genesis gv60"),
    (r"^honda clarity$", "honda clarity electric"),
    (r"^honda prologue\b", "honda prologue"),
    (r"^hyundai ioniq 5\b", "hyundai ioniq 5"),
    (r"^hyundai ioniq 6\b", "hyundai ioniq 6"),
    (r"^hyundai ioniq( electric)?$", "hyundai ioniq electric"),
    (r"^hyundai kona electric\b", "hyundai kona electric"),
    (r"^jaguar i-pace\b", "jaguar i-pace"),
    (r"^kia ev6\b", "kia ev6"),
    (r"^kia ev9\b", "kia ev9"),
    (r"^kia niro electric$", "kia niro ev"),
    (r"^kia soul electric$", "kia soul ev"),
    (r"^kandi k23$", "kandi k23"),
    (r"^lexus rz\b", "lexus rz"),
    (r"^lordstown motors endurance$", "lordstown endurance"),
    (r"^mazda mx-30$", "mazda mx-30"),
    (r"^mitsubishi i-miev$", "mitsubishi i-miev"),
    (r"^maserati grancabrio folgore$", "maserati grancabrio folgore"),
    (r"^maserati granturismo folgore$", "maserati granturismo folgore"),
    (r"^mercedes-benz (amg )?eqe .*\(suv\)$", "mercedes-benz eqe suv"),
    (r"^mercedes-benz (amg )?eqe\b", "mercedes-benz eqe"),
    (r"^mercedes-benz (amg )?eqs .*\(suv\)$", "mercedes-benz eqs suv"),
    (r"^mercedes-benz (amg )?eqs\b", "mercedes-benz eqs"),
    (r"^mercedes-benz eqb\b", "mercedes-benz eqb"),
    (r"^mercedes-benz b-class electric drive$", "mercedes-benz b-class electric drive"),
    (r"^mercedes-benz smart fortwo electric drive\b", "smart fortwo electric drive"),
    (r"^mullen one\b", "mullen one"),
    (r"^nissan ariya\b", "nissan ariya"),
    (r"^nissan (nissan )?leaf\b", "nissan leaf"),
    # Every Polestar of the lists is a Polestar 2 (make "Polestar", "Polestar 2", "Polestar2 ...").
    (r"^polestar", "polestar 2"),
    (r"^porsche taycan\b", "porsche taycan"),
    (r"^rivian r1s\b", "rivian r1s"),
    (r"^rivian r1t\b", "rivian r1t"),
    (r"^subaru solterra\b", "subaru solterra"),
    (r"^toyota bz4x\b", "toyota bz4x"),
    # Tesla: make "Tesla", "Tesla Model S" (model = trim) or just "Model S" (model "S2").
    (r"^(tesla )?model s\b", "tesla model s"),
    (r"^tesla model x\b", "tesla model x"),
    (r"^tesla model 3\b", "tesla model 3"),
    (r"^tesla model y\b", "tesla model y"),
    (r"^vinfast vf 8\b", "vinfast vf 8"),
    (r"^vinfast vf 9\b", "vinfast vf 9"),
    (r"^volkswagen e-golf$", "volkswagen e-golf"),
    (r"^volkswagen id\.4\b", "volkswagen id.4"),
    # "C40 Recharge Twin" is once written as the make; \b keeps XC40 out of C40.
    (r"(^| )c40 recharge\b", "volvo c40 recharge"),
    (r"^volvo xc40\b", "volvo xc40 recharge"),
]
_COMPILED = [(re.compile(pattern), family) for pattern, family in RULES]


def family_of(make: str, model: str) -> str:
    """Return the family of one Test Car List row, or ``""`` if no rule matches."""
    text = " ".join(f"{make} {model}".lower().split())
    for pattern, family in _COMPILED:
        if pattern.search(text):
            return family
    return ""


def main() -> None:
    summary = pd.read_csv(SUMMARY)
    out = summary[KEY].copy()
    out["family"] = [
        family_of(str(make), str(model))
        for make, model in zip(summary["make"], summary["model"], strict=True)
    ]
    missing = summary.loc[out["family"] == "", ["Model Year", "make", "model"]]
    if len(missing):
        raise SystemExit(f"{len(missing)} rows match no rule:\n{missing.to_string()}")
    out.to_csv(OUT, index=False)
    print(f"wrote {OUT} ({len(out)} rows, {out['family'].nunique()} families)")


if __name__ == "__main__":
    main()
