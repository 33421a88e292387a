"""Which area a published row belongs to: the local area, England, its region or a statistical neighbour.

Rows for any other well-formed geography (other LAs, other regions, ICBs, constituencies...) are skipped and
counted, so a full national download works as well as a filtered one. A malformed or contradictory code
(a blank LA code, `890` named "Hartlepool", `890` with another LA's ONS code) is an error.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from metrics.area import ENGLAND, Area

ENGLAND_CODE = "E92000001"
OLD_CODE = re.compile(r"^\d{3}$")
NEW_CODE = re.compile(r"^E(06|07|08|09|10)\d{6}$")
REGION_CODE = re.compile(r"^E12\d{6}$")


def normalise_name(name: str) -> str:
    """Publishers spell LA names differently ("Kingston Upon Hull, City of" / "Kingston upon Hull, City of")."""
    return re.sub(r"[^a-z0-9]+", " ", name.casefold()).strip()


class BadGeography(ValueError):
    def __init__(self, column: str, message: str):
        self.column, self.message = column, message
        super().__init__(f"{column}: {message}")


@dataclass(frozen=True)
class LocalAuthority:
    name: str
    old: str
    new: str


@dataclass
class Geography:
    area: Area
    las: tuple[LocalAuthority, ...] = field(init=False)

    def __post_init__(self):
        a = self.area
        self.las = (LocalAuthority(a.name, a.la_code_old, a.la_code_new),
                    *(LocalAuthority(n.name, n.code, n.code_new) for n in a.neighbours))
        self._by_old = {la.old: la for la in self.las}
        self._by_new = {la.new: la for la in self.las if la.new}
        self._by_name = {normalise_name(la.name): la for la in self.las}

    def local_authority(self, old: str = "", new: str = "", name: str = "") -> str | None:
        """The configured LA's name, None for another LA. Raises BadGeography on a bad code."""
        old, new, name = old.strip(), new.strip(), name.strip()
        if not (old or new or name):
            raise BadGeography("la_name", "local authority row with no LA code or name")
        if old and not OLD_CODE.match(old):
            raise BadGeography("old_la_code", f"unknown geography code {old!r}: expected a three-digit LA code")
        if new and not NEW_CODE.match(new):
            raise BadGeography("new_la_code", f"unknown geography code {new!r}: expected an ONS LA code like E06000009")
        # Codes outrank names: the first identifier given decides the LA, any other that disagrees is wrong.
        given = [(col, text, lookup) for col, text, lookup in (
            ("old_la_code", old, self._by_old), ("new_la_code", new, self._by_new),
            ("la_name", normalise_name(name), self._by_name)) if text]
        found = [(col, lookup.get(text)) for col, text, lookup in given]
        known = [la for _, la in found if la is not None]
        if not known:
            return None
        la = known[0]
        for column, match in found:
            if match is not la and not (column == "new_la_code" and not la.new):
                shown = {"old_la_code": old, "new_la_code": new, "la_name": name}[column]
                raise BadGeography(column, f"{shown!r} contradicts {la.name} ({la.old} / {la.new or 'no ONS code'}) "
                                           "given in the same row")
        return la.name

    def region(self, name: str = "", code: str = "") -> str | None:
        name, code = name.strip(), code.strip()
        if code and not REGION_CODE.match(code):
            raise BadGeography("region_code", f"unknown geography code {code!r}: expected an ONS region code")
        by_code = self.area.region_code and code == self.area.region_code
        by_name = normalise_name(name) == normalise_name(self.area.region)
        if code and self.area.region_code and name and by_code != by_name:
            raise BadGeography("region_name", f"region {name!r} does not match code {code!r}")
        return self.area.region if (by_code or by_name) else None

    @staticmethod
    def england(country_code: str = "") -> str:
        if country_code.strip() not in ("", ENGLAND_CODE):
            raise BadGeography("country_code", f"unknown geography code {country_code!r}: expected {ENGLAND_CODE}")
        return ENGLAND
