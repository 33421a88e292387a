"""What an attacker can read in the public documentation (data/README.md's derived series, the catalogue's
descriptions) about how the public measures relate. Written from those documents, independently of
data/disclosure.toml, so the attack does not inherit a gap in the protection's own configuration.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Percentages and rates that are whole numbers over whole numbers, and the scale they are published on (per 100).
# Every catalogue percentage is taken to be one: where it is not, no rounding fit is consistent and nothing follows.
FRACTION_UNITS = {"percent": 100.0, "rate": 100.0}


@dataclass(frozen=True)
class Knowledge:
    """Relations between quantities, named (metric id, quantity) with quantity value, numerator or denominator."""
    # Counting the same children: "plans issued" is what the 20-week measure (including exceptions) is a share
    # of; the % waiting over 18 weeks is a share of the waiting list; the % seen within 18 weeks and the missed
    # appointment rate are over the children first seen in the month; DfE's annual new plans are the year's plans.
    same: tuple = (
        (("ehcp_plans_issued", "value"), ("ehcp_20wk_incl", "denominator"), ("ehcp_new_plans", "value")),
        (("therapy_waiting_list", "value"), ("therapy_over_18wk_pct", "denominator")),
        (("chs_waiting_list", "value"), ("chs_over_18wk_pct", "denominator")),
        (("therapy_seen_18wk_pct", "denominator"), ("therapy_dna_rate", "denominator")),
    )
    # Measures whose breakdown values are shares of one group (each has the `All` denominator).
    shares: frozenset = frozenset({"ehcp_review_outcomes"})
    # Nested groups: (whole, part); whole - part counts children too. Every percentage's numerator is part of its
    # denominator as well (added by the attack for each percentage).
    nested: tuple = (
        (("therapy_over_18wk_pct", "numerator"), ("therapy_52wk_waiters", "value")),
        (("therapy_waiting_list", "value"), ("therapy_52wk_waiters", "value")),
        (("chs_over_18wk_pct", "numerator"), ("chs_52wk_waiters", "value")),
        (("chs_waiting_list", "value"), ("chs_52wk_waiters", "value")),
        (("ehcp_20wk_incl", "denominator"), ("ehcp_20wk_excl", "denominator")),
        (("ehcp_20wk_incl", "numerator"), ("ehcp_20wk_excl", "numerator")),
    )
    # Other differences that count children: plans issued late with an exception applying.
    differences: tuple = (
        ((1, "ehcp_20wk_incl", "denominator"), (-1, "ehcp_20wk_incl", "numerator"),
         (-1, "ehcp_20wk_excl", "denominator"), (1, "ehcp_20wk_excl", "numerator")),
    )
    cumulative: dict = field(default_factory=dict)  # metric id -> period type it restarts in (year to date)
