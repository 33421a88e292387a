"""The local area's configuration (`data/area.toml`): name, codes, localities and statistical neighbours."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

ENGLAND = "England"
SN_AVERAGE = "Statistical neighbours"


@dataclass(frozen=True)
class Neighbour:
    code: str  # DfE three-digit LA code
    name: str
    code_new: str = ""  # ONS nine-character code


@dataclass(frozen=True)
class NhsOrgs:
    """NHS organisations that stand for the area and its region in NHS England's provider-level files."""
    provider_code: str = ""
    provider_name: str = ""
    region_code: str = ""
    icb_code: str = ""  # the integrated care board: a comparator in NHS files only
    icb_name: str = ""


@dataclass(frozen=True)
class Area:
    name: str
    la_code_old: str
    la_code_new: str
    region: str
    localities: tuple[str, ...]
    sn_model: str
    neighbours: tuple[Neighbour, ...]
    region_code: str = ""
    nhs: NhsOrgs = NhsOrgs()

    @property
    def locality_slugs(self) -> dict[str, str]:
        """URL slug -> area name; `area` is the whole local area."""
        return {"area": self.name, **{loc.lower(): loc for loc in self.localities}}

    @property
    def comparators(self) -> tuple[str, ...]:
        """England, the region, the neighbour average and (NHS measures only have rows for it) the ICB."""
        return (ENGLAND, self.region, SN_AVERAGE, *((self.nhs.icb_name,) if self.nhs.icb_name else ()))


@lru_cache(maxsize=4)
def load_area(path: str | Path | None = None) -> Area:
    path = Path(path) if path else DATA_DIR / "area.toml"
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    try:
        a, sn = raw["area"], raw["statistical_neighbours"]
        return Area(
            name=a["name"], la_code_old=str(a["la_code_old"]), la_code_new=a["la_code_new"],
            region=a["region"], localities=tuple(a["localities"]), sn_model=sn["model"],
            neighbours=tuple(Neighbour(str(n["code"]), n["name"], n.get("code_new", ""))
                             for n in sn["neighbours"]),
            region_code=a.get("region_code", ""),
            nhs=NhsOrgs(**raw.get("nhs", {})),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path}: missing or malformed setting {exc}") from exc
