"""Deterministic synthetic demonstration data for the dashboard, at Blackpool's scale, calibrated to its published
figures.

    .venv/bin/python data/generate.py [--out DIR] [--seed S]          # the committed default data
    .venv/bin/python data/generate.py --referrals N --out DIR         # only a therapy extract of exactly N rows

The default run writes, under DIR (default: this folder), `therapy_referrals.parquet`, `ehc_requests.parquet`,
`annual_reviews.parquet`, `metric_values.parquet` and the intervention log `annotations.csv`, for the 72 months
October 2020 to September 2026. The same seed always writes the same bytes.

Real data first. The generator reads the published figures `data/build_published.py` ingested
(`data/metric_values/published.parquet`; run that first when the reference files change) and:
- writes no synthetic series for a metric_values metric the area has published figures for;
- reproduces Blackpool Teaching Hospitals' (RXL) published month-end waiting lists for 2023 by service (NHS
  England community health services waiting lists), to within the list's month-to-month variation (3%);
- reproduces Blackpool's published annual share of new EHC plans issued within 20 weeks (excluding exceptions)
  to the nearest plan, for every published year the extract covers.

The record-level extracts come from small simulations: each therapy service is a waiting list with seasonal,
rising demand; each month the service sees as many children (within its capacity) as bring the list to its
course - the published sizes where there are any, and dated points elsewhere that carry the interventions in
INTERVENTIONS (also written out as the intervention log) - so waits, the 18-week share and year-long waits follow
from demand and the order children are seen in. The extracts include the opening backlog: referrals made before
October 2020 and still open then, as a real extract of "everything open during the period" would. EHC requests
and annual reviews follow Blackpool's published volumes. `metric_values` holds a plausible synthetic series for
every remaining catalogue metric whose input is `metric_values`, marked synthetic.

With --referrals N (benchmarks, not committed) the therapy simulation is run as many independent copies of the area
as it takes, written chunk by chunk so memory stays bounded, and trimmed to exactly N rows.
"""
from __future__ import annotations

import argparse
import csv
import io
import itertools
import os
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # runnable as a plain script from anywhere

from metrics import schemas  # noqa: E402
from metrics.area import load_area  # noqa: E402
from metrics.catalogue import load_catalogue  # noqa: E402

SEED = 20240924  # the strategic improvement plan's month
START, END = date(2020, 10, 1), date(2026, 9, 30)
EPOCH = date(1970, 1, 1)
SYNTHETIC_SOURCE = "Synthetic demonstration data"
PUBLISHED_VALUES = REPO / "data" / "metric_values" / "published.parquet"  # written by data/build_published.py
LOCALITY_SHARE = {"North": 0.29, "Central": 0.45, "South": 0.26}  # Central: the largest and most deprived third
# School-term seasonality of referrals and requests (August dip, Easter and Christmas lower), mean 1.
TERM_SEASON = np.array([1.05, 1.05, 1.15, 0.9, 1.05, 1.1, 0.85, 0.55, 0.95, 1.15, 1.15, 0.85])
TERM_SEASON = TERM_SEASON / TERM_SEASON.mean()
LEAVE_SEASON = np.array([1.0, 1.0, 1.0, 0.95, 1.0, 1.0, 0.9, 0.8, 1.0, 1.0, 1.0, 0.85])  # staff leave


def day(d: date) -> int:
    return (d - EPOCH).days


def month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def month_first(idx: int) -> date:
    return date(idx // 12, idx % 12 + 1, 1)


def years_since_start(d: date) -> float:
    return (d - START).days / 365.25


# -- the intervention log ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Event:
    date: date
    title: str
    description: str
    services: tuple[str, ...] = ()
    metric_ids: tuple[str, ...] = ()
    localities: tuple[str, ...] = ()
    rebase: bool = False


EHCP_TIMELINESS = ("ehcp_20wk_excl", "ehcp_20wk_incl", "ehcp_decision_6wk", "ehcp_draft_on_time",
                   "ehcp_amended_on_time")
# Dated events implied by the plans (WSoA 2022 and the 2024 strategic improvement plan). The simulation below
# changes capacity and performance at these dates, and they are written out as data/annotations.csv, numbered in
# this order (the log's stable event numbers: a new event goes at the end and takes the next number).
INTERVENTIONS = {
    "lockdown": Event(date(2021, 1, 5), "National lockdown: schools closed to most pupils",
                      "Schools closed to most pupils until 8 March 2021; face-to-face therapy appointments were "
                      "limited and referrals from schools fell."),
    "inspection_2022": Event(date(2022, 3, 4), "Area SEND inspection (Ofsted and CQC)",
                             "Joint inspection 28 February to 4 March 2022; a written statement of action was "
                             "required, including on long waits for some therapies."),
    "slt_bank_staff": Event(date(2022, 9, 30), "Speech and language therapy bank staff recruited",
                            "Bank and temporary staff to add flexibility while permanent posts are filled "
                            "(WSoA 4.2.1).", services=("slt",)),
    "slt_triage": Event(date(2023, 1, 9), "Speech and language therapy triage clinic and drop-ins start",
                        "Strengthened triage and prioritisation, a weekly triage clinic and drop-in advice sessions; "
                        "families on the list contacted every 3 to 4 months and long waits reviewed for harm "
                        "(WSoA 4.2.4).", services=("slt",), rebase=True),
    "local_offer_relaunch": Event(date(2023, 2, 28), "Local Offer website relaunched",
                                  "Co-produced redesign of the Local Offer, relaunched and publicised (WSoA 3.3.2).",
                                  metric_ids=("local_offer_visits", "local_offer_activities_visits",
                                              "local_offer_easy_pct"), rebase=True),
    "graduated_approach": Event(date(2023, 3, 31), "Graduated approach pathway into therapies published",
                                "Standard operating procedure for schools on support before referral, starting with "
                                "speech and language (WSoA 4.1.4).", services=("slt",),
                                metric_ids=("therapy_referrals",)),
    "ot_initiative": Event(date(2023, 6, 5), "Occupational therapy waiting list initiative",
                           "Additional weekend clinics and a validation of everyone on the list (some children no "
                           "longer needed the service).", services=("ot",), rebase=True),
    "nd_school_pathway": Event(date(2023, 9, 4), "Neurodevelopmental school-age pathway: needs-led support",
                               "Support and parent programmes offered on referral, before any diagnosis; assessment "
                               "capacity increased.", services=("nd_school",), rebase=True),
    "slt_sunday_clinics": Event(date(2024, 1, 7), "Monthly Sunday speech and language clinics",
                                "Appointments at weekends so children need not miss school and parents need not take "
                                "time off work.", services=("slt",), metric_ids=("therapy_dna_rate",)),
    "inspection_2024": Event(date(2024, 5, 24), "Area SEND inspection (Ofsted and CQC)",
                             "Joint inspection 20 to 24 May 2024; areas for improvement include data, reaching "
                             "families, EHC plan quality and school outcomes."),
    "translated_letters": Event(date(2024, 11, 4), "Appointment letters translated into families' first languages",
                                "Letters and reminders sent in the family's first language, as the 2024 inspection "
                                "asked.", metric_ids=("therapy_dna_rate",), rebase=True),
    "ehcp_restructure": Event(date(2025, 1, 6), "EHC assessment team restructure and multi-agency quality panel",
                              "Caseworkers organised by locality; a weekly multi-agency panel quality-assures draft "
                              "plans before they are issued (3.1, 3.3).", metric_ids=EHCP_TIMELINESS, rebase=True),
    "engagement_plan": Event(date(2025, 3, 31), "Co-production and engagement plan updated",
                             "Activities planned for areas where mapping found gaps in reach, especially Central "
                             "(2.2.1).", metric_ids=("engagement_participants", "engagement_new_families",
                                                     "meets_and_treats_attendance", "meet_send_team_attendance")),
    "advice_tracking": Event(date(2025, 3, 31), "Tracking and escalation of late EHC advice",
                             "Notification, tracking and escalation for advice from education, health and social "
                             "care, reported to the ADQA group (3.1.2, 3.1.3).", metric_ids=("ehcp_advice_6wk",),
                             rebase=True),
    "nd_preschool_recovery": Event(date(2025, 4, 7), "Pre-school neurodevelopmental pathway recovery plan",
                                   "Extra assessment clinics commissioned to reduce the longest pre-school waits.",
                                   services=("nd_preschool",), rebase=True),
    "review_tracking": Event(date(2025, 6, 30), "Annual review tracking with schools",
                             "Routine tracking of annual review meetings and outcomes with schools and settings "
                             "(3.2.5).", metric_ids=("ehcp_reviews_on_time", "ehcp_review_paperwork_on_time",
                                                     "ehcp_review_outcomes")),
    "wheelchair_contract": Event(date(2025, 9, 1), "New wheelchair service contract",
                                 "A new provider contract with more assessment clinics, after long waits were raised "
                                 "at inspection.", services=("wheelchair",), rebase=True),
    "slt_validation": Event(date(2023, 10, 2), "Speech and language therapy waiting list validated",
                            "Families of every child waiting were contacted and the list reviewed (WSoA 4.2.3, "
                            "4.2.4); children whose needs were met by the triage clinic, drop-ins or support in "
                            "school left the list, most of them among those waiting more than 12 weeks. Dated to the month the published NHS "
                            "England list for Blackpool Teaching Hospitals fell from 467 to 155 children; the "
                            "published figures do not give the reason.", services=("slt",), rebase=True),
}


def after(key: str, d: date) -> bool:
    return d >= INTERVENTIONS[key].date


def write_annotations(path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "date", "title", "description", "services", "metric_ids", "localities", "rebase",
                     "transition_months"])
    numbered = sorted(enumerate(INTERVENTIONS.values(), start=1), key=lambda n_e: (n_e[1].date, n_e[1].title))
    for number, e in numbered:
        writer.writerow([number, e.date.isoformat(), e.title, e.description, ";".join(e.services),
                         ";".join(e.metric_ids), ";".join(e.localities), "true" if e.rebase else "false", ""])
    _replace(path, buffer.getvalue().encode())


# -- therapy referrals: one waiting list per service -------------------------------------------------------------

@dataclass(frozen=True)
class Service:
    demand: float  # referrals a month joining the list, whole area, October 2020
    growth: float  # demand growth a year (fraction)
    # The list's course: month-end list sizes (whole area) at dated points, straight lines between them. Where the
    # provider's NHS England figures are published (data/metric_values/published.parquet) they replace the path.
    path: tuple[tuple[date, float], ...]
    urgent: float = 0.1  # share seen quickly outside the queue
    ages: tuple[float, ...] = (0.2, 0.45, 0.25, 0.08, 0.02)  # share per schemas.AGE_BANDS
    sen: tuple[float, ...] = (0.6, 0.28, 0.12)  # share per schemas.SEN_STATUSES
    demand_steps: tuple[tuple[str, float], ...] = ()  # (intervention, demand multiplier from then on)
    outliers: tuple[tuple[date, float], ...] = ()  # (month, demand multiplier): one-off spikes
    validations: tuple[str, ...] = ()  # interventions after which the list is validated (children leave unseen)


# Paths: RXL's published lists (Jan-Oct 2023: speech and language therapy 616 -> 683 -> 155, occupational therapy
# 60 -> 70 -> 31 -> 61, physiotherapy 71 -> 52 -> 57) fix 2023; the points around them carry the interventions.
SERVICES = {
    "slt": Service(80, 0.05, ((date(2020, 10, 1), 470), (date(2021, 6, 1), 500), (date(2022, 3, 1), 560),
                              (date(2022, 12, 1), 610), (date(2023, 11, 1), 175), (date(2024, 9, 1), 230),
                              (date(2026, 9, 1), 245)),
                   ages=(0.55, 0.38, 0.05, 0.02, 0.0), demand_steps=(("graduated_approach", 0.72),),
                   outliers=((date(2022, 3, 1), 1.5),), validations=("slt_validation",)),
    "ot": Service(30, 0.04, ((date(2020, 10, 1), 62), (date(2022, 6, 1), 74), (date(2022, 12, 1), 62),
                             (date(2024, 3, 1), 54), (date(2026, 9, 1), 58)),
                  ages=(0.15, 0.55, 0.25, 0.05, 0.0), outliers=((date(2024, 11, 1), 1.6),),
                  validations=("ot_initiative",)),
    "physio": Service(8, 0.02, ((date(2020, 10, 1), 52), (date(2022, 12, 1), 70), (date(2024, 6, 1), 60),
                                 (date(2026, 9, 1), 62)), ages=(0.35, 0.35, 0.2, 0.08, 0.02)),
    "paeds": Service(44, 0.04, ((date(2020, 10, 1), 150), (date(2022, 12, 1), 175), (date(2024, 6, 1), 230),
                                (date(2026, 9, 1), 225)), ages=(0.4, 0.4, 0.17, 0.03, 0.0), sen=(0.5, 0.32, 0.18)),
    "nd_preschool": Service(13, 0.1, ((date(2020, 10, 1), 165), (date(2023, 6, 1), 200), (date(2025, 4, 1), 222),
                                      (date(2026, 9, 1), 110)),
                            urgent=0.03, ages=(1.0, 0, 0, 0, 0), sen=(0.55, 0.3, 0.15)),
    "nd_school": Service(34, 0.08, ((date(2020, 10, 1), 350), (date(2023, 9, 1), 410), (date(2025, 3, 1), 260),
                                    (date(2026, 9, 1), 205)),
                         urgent=0.03, ages=(0, 0.6, 0.35, 0.05, 0), sen=(0.45, 0.38, 0.17),
                         demand_steps=(("nd_school_pathway", 0.85),)),
    "wheelchair": Service(6, 0.02, ((date(2020, 10, 1), 72), (date(2025, 9, 1), 105), (date(2026, 9, 1), 55)),
                          urgent=0.05, ages=(0.15, 0.35, 0.3, 0.15, 0.05), sen=(0.3, 0.3, 0.4)),
}
THERAPY_SIM_START = date(2019, 10, 1)  # a year of run-in, so October 2020 opens with a realistic backlog
LOCKDOWN_MONTHS = (date(2021, 1, 1), date(2021, 2, 1))
BOOKING_DAYS = 21  # a first appointment is booked at least this long after referral
LEAVE_UNSEEN = 0.005  # a month: moved away, no longer needed
MAX_CONTACTS = 4.0  # first contacts in a month at most, as a multiple of the month's trend demand
LIST_NOISE = 0.03  # month-to-month variation of the list around its path (sd of a relative error, capped at 2 sd)
VALIDATION_MONTHS = 3  # a validation exercise runs this many months from its intervention's date
VALIDATED_AFTER = 84  # days: a validation reviews the children who have waited more than 12 weeks


def path_size(points: tuple[tuple[date, float], ...], month: date) -> float:
    """The list size the path gives for a month: straight lines between its points, flat beyond the ends."""
    days, sizes = zip(*((day(d), s) for d, s in sorted(points)))
    return float(np.interp(day(month), days, sizes))


def list_path(service: Service, published: dict[date, float]) -> tuple[tuple[date, float], ...]:
    """The service's path with the published month-end sizes in place of the path's own points in their span."""
    if not published:
        return service.path
    first, last = min(published), max(published)
    return tuple(sorted((d, s) for d, s in service.path if not first <= d <= last)) + tuple(sorted(published.items()))


def _day_in(rng: np.random.Generator, not_before: np.ndarray, first_day: int, length: int) -> np.ndarray:
    """A random day in the month starting `first_day`, no earlier than `not_before`."""
    lo = np.maximum(not_before, first_day)
    return lo + (rng.random(lo.size) * (first_day + length - lo)).astype(np.int64)


def _triage(rng: np.random.Generator, n: int) -> np.ndarray:
    """Days added to the referral date to give the order children are seen in: clinical judgement blurs strict
    order, and a few routine referrals keep being overtaken by more pressing ones (the long tail of waits)."""
    return rng.normal(0, 25, n) + np.where(rng.random(n) < 0.06, rng.uniform(90, 330, n), 0)


def simulate_service(rng: np.random.Generator, service: Service, scale: float,
                     published: dict[date, float] | None = None) -> dict[str, np.ndarray]:
    """One service's waiting list month by month: arrivals, urgent contacts and children leaving unseen; then as
    many first contacts (clinical prioritisation is noise on the order) as bring the month-end list to its path,
    within the service's capacity - so waits, the 18-week share and year-long waits follow from demand and order,
    not from a curve. In the months after a validation, children waiting more than 12 weeks whom the service can no
    longer help leave the list unseen where contacts alone cannot reach the path. Day numbers; -1 for none."""
    base = service.demand * scale
    points = list_path(service, published or {})
    # The opening backlog: the path's first size, referred over the twice its length in months of demand.
    n0 = rng.poisson(path_size(points, THERAPY_SIM_START) * scale)
    spread = max(int(2 * path_size(points, THERAPY_SIM_START) / service.demand * 30.4), 1)
    ref = day(THERAPY_SIM_START) - 1 - rng.integers(0, spread, n0)
    contact, discharge = np.full(n0, -1), np.full(n0, -1)
    queue, priority = np.arange(n0), ref + _triage(rng, n0)
    urgent_ref, urgent_contact = np.empty(0, np.int64), np.empty(0, np.int64)
    validating = [(month_index(INTERVENTIONS[k].date), month_index(INTERVENTIONS[k].date) + VALIDATION_MONTHS)
                  for k in service.validations]
    for idx in range(month_index(THERAPY_SIM_START), month_index(END) + 1):
        month = month_first(idx)
        first_day, length = day(month), (month_first(idx + 1) - month).days
        last_day = first_day + length - 1
        trend = base * (1 + service.growth) ** years_since_start(month)
        demand = trend * TERM_SEASON[month.month - 1] * dict(service.outliers).get(month, 1.0)
        for key, factor in service.demand_steps:
            demand *= factor if after(key, month) else 1.0
        n = rng.poisson(demand * (0.55 if month in LOCKDOWN_MONTHS else 1.0))
        new_ref = first_day + rng.integers(0, length, n)
        urgent = rng.random(n) < service.urgent
        ids = ref.size + np.arange(n)
        ref = np.concatenate([ref, new_ref])
        seen_soon = new_ref + rng.integers(5, 36, n)
        contact = np.concatenate([contact, np.where(urgent, seen_soon, -1)])
        urgent_ref, urgent_contact = (np.concatenate([urgent_ref, new_ref[urgent]]),
                                      np.concatenate([urgent_contact, seen_soon[urgent]]))
        discharge = np.concatenate([discharge, np.full(n, -1)])
        queue = np.concatenate([queue, ids[~urgent]])
        priority = np.concatenate([priority, new_ref[~urgent] + _triage(rng, int((~urgent).sum()))])
        gone = rng.random(queue.size) < LEAVE_UNSEEN  # moved away, no longer needed
        discharge[queue[gone]] = _day_in(rng, ref[queue[gone]], first_day, length)
        queue, priority = queue[~gone], priority[~gone]
        # Urgent referrals not yet seen are on the list at the month end too.
        pending = int(np.count_nonzero((urgent_ref <= last_day) & (urgent_contact > last_day)))
        noise = np.clip(rng.normal(0, LIST_NOISE), -2 * LIST_NOISE, 2 * LIST_NOISE)
        target = max(0, round(path_size(points, month) * scale * (1 + noise)))
        excess = queue.size + pending - target
        bookable = ref[queue] <= last_day - BOOKING_DAYS
        validation = any(lo <= idx < hi for lo, hi in validating)
        capacity = trend if validation else MAX_CONTACTS * trend  # a validation takes the team's spare time
        seen = int(np.clip(excess, 0, min(int(bookable.sum()), int(capacity))))
        if seen:
            pick = np.argpartition(np.where(bookable, priority, np.inf), seen - 1)[:seen]
            contact[queue[pick]] = _day_in(rng, ref[queue[pick]], first_day, length)
            keep = np.ones(queue.size, bool)
            keep[pick] = False
            queue, priority = queue[keep], priority[keep]
        if excess > seen and validation:
            # Those waiting more than 12 weeks are reviewed first (in random order), then the rest, longest first.
            waited = last_day - ref[queue]
            order = np.lexsort((-waited, np.where(waited > VALIDATED_AFTER, rng.random(queue.size), 2.0)))
            off = order[:excess - seen]
            discharge[queue[off]] = _day_in(rng, ref[queue[off]], first_day, length)
            keep = np.ones(queue.size, bool)
            keep[off] = False
            queue, priority = queue[keep], priority[keep]
    treated = contact >= 0  # discharged after an episode of care
    discharge[treated] = contact[treated] + 14 + rng.gamma(2.0, 90.0, treated.sum()).astype(np.int64)
    return {"ref": ref, "contact": contact, "discharge": discharge}


def therapy_referrals(rng: np.random.Generator, catalogue, scale: float = 1.0, first_id: int = 1,
                      published: dict[str, dict[date, float]] | None = None) -> pa.Table:
    """One copy of the area's therapy referrals (demand and lists multiplied by `scale`), open at some point from
    START; `published` holds month-end list sizes by service name, which the lists reproduce."""
    names = {s.slug: s.name for s in catalogue.services}
    localities = list(LOCALITY_SHARE)
    parts = []
    for slug, service in SERVICES.items():
        sim = simulate_service(rng, service, scale, (published or {}).get(names[slug]))
        end, start = day(END), day(START)
        left = np.where(sim["contact"] >= 0, sim["contact"], sim["discharge"])
        keep = (sim["ref"] <= end) & ((left < 0) | (left >= start))
        n = int(keep.sum())
        ref, contact, discharge = sim["ref"][keep], sim["contact"][keep], sim["discharge"][keep]
        locality = rng.choice(len(localities), n, p=list(LOCALITY_SHARE.values()))
        not_english = rng.random(n) < np.where(locality == localities.index("Central"), 0.1, 0.05)
        # Missed appointments: more where letters are not in the family's language (until they were translated),
        # more in Central; the Sunday clinics help speech and language therapy.
        when = np.where(contact >= 0, contact, ref)
        translated = when >= day(INTERVENTIONS["translated_letters"].date)
        rate = 0.22 * np.where(locality == localities.index("Central"), 1.4, 1.0)
        rate = rate * np.where(not_english, np.where(translated, 1.25, 2.6), 1.0)
        if slug == "slt":
            rate = rate * np.where(when >= day(INTERVENTIONS["slt_sunday_clinics"].date), 0.8, 1.0)
        dna = np.where(contact >= 0, rng.poisson(rate), 0)
        parts.append({
            "service": np.full(n, names[slug]), "locality": np.array(localities)[locality], "ref": ref,
            "contact": np.where(contact > end, -1, contact), "discharge": np.where(discharge > end, -1, discharge),
            "age_band": np.array(schemas.AGE_BANDS)[rng.choice(5, n, p=service.ages)],
            "sen_status": np.array(schemas.SEN_STATUSES)[rng.choice(3, n, p=service.sen)],
            "english": ~not_english, "dna": dna,
        })
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.argsort(cols["ref"], kind="stable")
    cols = {k: v[order] for k, v in cols.items()}
    n = order.size
    return pa.Table.from_arrays([
        pa.array([f"TR{i:08d}" for i in range(first_id, first_id + n)]),
        pa.array(cols["service"]), pa.array(cols["locality"]), _dates(cols["ref"]), _dates(cols["contact"]),
        _dates(cols["discharge"]), pa.array(cols["age_band"]), pa.array(cols["sen_status"]),
        pa.array(cols["english"]), pa.array(cols["dna"].astype(np.int32)),
    ], schema=schemas.THERAPY_REFERRALS)


def _dates(days: np.ndarray) -> pa.Array:
    """Day numbers -> date32, with -1 meaning none."""
    return pa.array(days.astype(np.int32), mask=days < 0, type=pa.int32()).cast(pa.date32())


# -- EHC needs assessment requests ---------------------------------------------------------------------------------

# Requests a year, after Blackpool's published SEN2 figures (216 in 2021, 269 in 2022, 359 in 2023, 423 in 2024).
REQUESTS_A_YEAR = {2020: 180, 2021: 216, 2022: 269, 2023: 359, 2024: 423, 2025: 465, 2026: 495}
REQUEST_SIM_START = date(2020, 3, 1)  # run-in so that plans in progress in October 2020 are there


PLAN_SHARE = 0.78  # of assessments, end in a plan (some conclude one is not needed)
EXCEPTION_SHARE = 0.015  # plans where an exception to the 20-week limit applies (1 to 5 a year published)
TWENTY_WEEKS = 140  # days
ADVICE_BY = 110  # days after the request: advice later than this leaves no time for a plan within 20 weeks


@dataclass(frozen=True)
class Timeliness:
    """One published calendar year of new EHC plans: issued in 20 weeks / issued, excluding and including the
    plans where an exception applies (DfE EES `ehcp_20wk_excl` / `_incl` numerators and denominators)."""
    in_time_excl: float
    plans_excl: float
    in_time_incl: float
    plans_incl: float

    @property
    def share(self) -> float:
        return self.in_time_excl / self.plans_excl

    @property
    def exception_share(self) -> float:
        return 1 - self.plans_excl / self.plans_incl


def within_20_weeks_share(d: date, published: dict[int, Timeliness]) -> float:
    """Share of final plans in 20 weeks: the published share for a published year; after the EHC team's
    restructure (January 2025, beyond the published years) rising from 70% to 92% over a year."""
    if d.year in published:
        return published[d.year].share
    if after("ehcp_restructure", d):
        return min(0.92, 0.7 + 0.22 * (d - INTERVENTIONS["ehcp_restructure"].date).days / 365)
    return 0.62


def calibrate_20_weeks(rng: np.random.Generator, request: np.ndarray, advice_done: np.ndarray, final: np.ndarray,
                       counted: np.ndarray, movable: np.ndarray, published: dict[int, Timeliness]) -> np.ndarray:
    """Final-plan dates moved within their issue year so that in each published year the share of `counted`
    plans (those without an exception) issued in 20 weeks is the published share, to the nearest plan - as the
    derived series counts it: by issue date, from START. Only `movable` plans move (not phase transfers, whose
    date is set by their deadline), and a plan is only brought inside 20 weeks if its advice left time for a
    draft and a final plan."""
    final = final.copy()
    earliest = request + np.maximum(advice_done - request + 30, 100)  # days: draft and final still need their time
    for year, t in sorted(published.items()):
        first, last = max(day(date(year, 1, 1)), day(START)), day(date(year, 12, 31))
        issued = counted & (final >= first) & (final <= last)
        in_time = issued & (final - request <= TWENTY_WEEKS)
        gap = round(t.share * issued.sum()) - int(in_time.sum())
        if gap > 0:  # bring late plans inside 20 weeks, still issued in the year
            can = np.flatnonzero(issued & movable & ~in_time & (earliest <= request + TWENTY_WEEKS)
                                 & (request + TWENTY_WEEKS >= first))
            pick = rng.choice(can, min(gap, can.size), replace=False)
            lo, hi = np.maximum(earliest[pick], first), request[pick] + TWENTY_WEEKS
            final[pick] = lo + (rng.random(pick.size) * (hi - lo + 1)).astype(np.int64)
        elif gap < 0:  # let plans run past 20 weeks, still issued in the year
            can = np.flatnonzero(in_time & movable & (request + TWENTY_WEEKS + 1 <= last))
            pick = rng.choice(can, min(-gap, can.size), replace=False)
            late = request[pick] + TWENTY_WEEKS + 1 + rng.gamma(2, 20, pick.size).astype(np.int64)
            final[pick] = np.minimum(late, last)
    return final


def advice_in_time_share(agency: str, d: date) -> float:
    before, tracked = {"education": (0.78, 0.92), "health": (0.62, 0.86), "social_care": (0.5, 0.82)}[agency]
    return tracked if after("advice_tracking", d) else before


def ehc_requests(rng: np.random.Generator, published: dict[int, Timeliness] | None = None) -> pa.Table:
    """EHC needs assessment casework; `published` holds the years whose 20-week shares it reproduces."""
    published = published or {}
    months = range(month_index(REQUEST_SIM_START), month_index(END) + 1)
    counts = [rng.poisson(REQUESTS_A_YEAR[month_first(m).year] / 12 * TERM_SEASON[month_first(m).month - 1])
              for m in months]
    request = np.concatenate([day(month_first(m)) + rng.integers(0, (month_first(m + 1) - month_first(m)).days, c)
                              for m, c in zip(months, counts)])
    n = request.size
    as_dates = [EPOCH + timedelta(days=int(r)) for r in request]
    none = np.full(n, -1)
    agreed = rng.random(n) < 0.75
    in_time = rng.random(n) < np.array([0.9 if d.year == 2024 else 0.96 for d in as_dates])
    decision = np.where(agreed, request + np.where(in_time, rng.integers(18, 43, n),
                                                   43 + rng.gamma(2, 8, n).astype(int)), none)
    plan = agreed & (rng.random(n) < PLAN_SHARE)
    exception = rng.random(n) < np.array([published[d.year].exception_share if d.year in published
                                          else EXCEPTION_SHARE for d in as_dates])
    # Steer the total to the period's 20-week performance (exceptions run late), keeping the stages in order.
    want_in_time = (rng.random(n) < np.array([within_20_weeks_share(d, published) for d in as_dates])) & ~exception
    advice = {}
    for agency, asked_share in (("education", 1.0), ("health", 0.9), ("social_care", 0.45)):
        asked = agreed & (rng.random(n) < asked_share)
        requested = np.where(asked, decision + rng.integers(0, 4, n), none)
        share = np.array([advice_in_time_share(agency, d) for d in as_dates])
        took = np.where(rng.random(n) < share, rng.integers(14, 43, n), 43 + rng.gamma(2, 12, n).astype(int))
        # A plan finished in 20 weeks had its advice in time for a draft: late advice is at most a little late.
        took = np.where(want_in_time, np.minimum(took, np.maximum(request + ADVICE_BY - requested, 43)), took)
        advice[agency] = (requested, np.where(asked, requested + took, none))
    advice_done = np.max([rec for _, rec in advice.values()], axis=0)
    draft = advice_done + rng.integers(10, 31, n)
    final = draft + rng.integers(15, 31, n)
    fits = advice_done - request + 30 <= 140
    quick = want_in_time & fits & (final - request > 140)
    earliest = np.maximum(advice_done - request + 30, 100)  # days: draft and final still need their time
    final = np.where(quick, request + earliest + (rng.random(n) * (141 - earliest)).astype(int), final)
    slow = ~want_in_time & (final - request <= 140)
    final = np.where(slow, request + 141 + rng.gamma(2, 20, n).astype(int), final)
    draft = np.where(quick | slow, np.maximum(advice_done + 1, final - rng.integers(15, 31, n)), draft)
    draft = np.minimum(draft, final)
    # Phase transfers: some autumn requests are for children moving school (15 February) or to post-16 (31 March).
    autumn = np.array([d.month in (9, 10, 11) for d in as_dates])
    transfer = plan & autumn & (rng.random(n) < 0.35)
    post16 = rng.random(n) < 0.2
    deadline = np.array([day(date(d.year + 1, 3, 31) if p else date(d.year + 1, 2, 15)) for d, p in
                         zip(as_dates, post16)])
    on_time = rng.random(n) < np.array([0.9 if d.year >= 2024 else 0.72 for d in as_dates])
    transfer_final = np.where(on_time, np.maximum(deadline - rng.integers(0, 26, n), advice_done + 16),
                              deadline + rng.integers(1, 50, n))
    final = np.where(transfer, transfer_final, final)
    draft = np.where(transfer, np.minimum(draft, final - 1), draft)
    draft = np.maximum(draft, advice_done + 1)
    final = np.maximum(final, draft)
    calibrated = calibrate_20_weeks(rng, request, advice_done, np.where(plan, final, none), plan & ~exception,
                                    plan & ~exception & ~transfer, published)
    moved = calibrated != np.where(plan, final, none)
    final = np.where(moved, calibrated, final)
    draft = np.where(moved, np.minimum(np.maximum(advice_done + 1, final - rng.integers(15, 31, n)), final), draft)
    draft, final = np.where(plan, draft, none), np.where(plan, final, none)
    deadline = np.where(transfer, deadline, none)

    # Keep requests with any activity from START (the extract's period), and blank anything after the end.
    end = day(END)
    dates = {"decision": decision, "draft": draft, "final": final,
             **{f"{a}_{k}": v for a, (req, rec) in advice.items() for k, v in (("requested", req), ("received", rec))}}
    last_activity = np.max([request, *dates.values()], axis=0)
    keep = (request <= end) & (last_activity >= day(START))
    # A stage not reached by the end of the data is empty, and so is everything after it.
    dates = {k: np.where(v > end, -1, v) for k, v in dates.items()}
    dates["final"] = np.where(dates["draft"] < 0, -1, dates["final"])
    n_kept = int(keep.sum())
    localities = np.array(list(LOCALITY_SHARE))[rng.choice(3, n, p=list(LOCALITY_SHARE.values()))]
    order = np.argsort(request[keep], kind="stable")
    pick = lambda a: a[keep][order]  # noqa: E731
    return pa.Table.from_arrays([
        pa.array([f"EHC{i:06d}" for i in range(1, n_kept + 1)]), pa.array(pick(localities)),
        _dates(pick(request)), _dates(pick(dates["decision"])),
        *(_dates(pick(dates[f"{a}_{k}"])) for a in schemas.AGENCIES for k in ("requested", "received")),
        _dates(pick(dates["draft"])), _dates(pick(dates["final"])), pa.array(pick(exception)),
        _dates(pick(deadline)),
    ], schema=schemas.EHC_REQUESTS)


# -- annual reviews ------------------------------------------------------------------------------------------------

OPENING_CASELOAD = 1180  # plans in October 2020 (1,206 in January 2021, published caseload)
MOVES_IN_A_YEAR = 60


def reviews_on_time_share(d: date) -> float:
    if after("review_tracking", d):
        return min(0.84, 0.6 + 0.24 * (d - INTERVENTIONS["review_tracking"].date).days / 365)
    return {2020: 0.74, 2021: 0.72, 2022: 0.68, 2023: 0.63}.get(d.year, 0.58)


def amended_on_time_share(d: date) -> float:
    return 0.72 if after("ehcp_restructure", d) else (0.38 if d.year < 2023 else 0.45)


def annual_reviews(rng: np.random.Generator, requests: pa.Table) -> pa.Table:
    start, end = day(START), day(END)
    final_days = np.asarray(requests.column("final_issued_date").cast(pa.int32()).fill_null(-1))
    new = final_days >= start
    moves = rng.poisson(MOVES_IN_A_YEAR * 6)
    first_due = np.concatenate([
        start + rng.integers(0, 365, OPENING_CASELOAD),  # existing plans: reviews spread over the first year
        final_days[new] + 364,  # a new plan is first reviewed within 12 months
        start + rng.integers(0, end - start, moves) + rng.integers(180, 365, moves),  # plans of children moving in
    ])
    localities = np.concatenate([
        np.array(list(LOCALITY_SHARE))[rng.choice(3, OPENING_CASELOAD, p=list(LOCALITY_SHARE.values()))],
        np.asarray(requests.column("locality"))[new],
        np.array(list(LOCALITY_SHARE))[rng.choice(3, moves, p=list(LOCALITY_SHARE.values()))],
    ])
    plan_ids = np.array([f"P{i:05d}" for i in range(1, first_due.size + 1)])
    rows = []
    due, active = first_due.copy(), np.ones(first_due.size, bool)
    while (active & (due <= end)).any():
        now = active & (due <= end)
        k = int(now.sum())
        d = due[now]
        share = np.array([reviews_on_time_share(EPOCH + timedelta(days=int(x))) for x in d])
        on_time = rng.random(k) < share
        meeting = np.where(on_time, d - rng.integers(0, 31, k), d + 1 + rng.gamma(2, 15, k).astype(int))
        meeting = np.where(rng.random(k) < 0.03, -1, meeting)  # not held or not recorded
        outcome = rng.choice(3, k, p=[0.6, 0.34, 0.06])  # index into schemas.REVIEW_OUTCOMES; -1 = none
        outcome = np.where(meeting < 0, -1, outcome)
        am_share = np.array([amended_on_time_share(EPOCH + timedelta(days=int(x))) for x in d])
        amended_days = np.where(rng.random(k) < am_share, rng.integers(30, 85, k), 85 + rng.gamma(2, 20, k).astype(int))
        amended = np.where(outcome == 1, meeting + amended_days, -1)
        rows.append((plan_ids[now], localities[now], d, meeting,
                     np.where(meeting >= 0, meeting + rng.integers(0, 22, k), -1), outcome, amended))
        ceased = np.zeros(active.size, bool)
        ceased[np.flatnonzero(now)[outcome == 2]] = True
        active &= ~ceased
        due = np.where(now, due + 365, due)
    plan, locality, due_day, meeting, paperwork, outcome, amended = (np.concatenate(c) for c in zip(*rows))
    # Nothing recorded after the end of the data; an outcome decided only at the very end may still be pending.
    pending = (meeting > end - 21) & (rng.random(meeting.size) < 0.5)
    meeting = np.where(meeting > end, -1, meeting)
    outcome = np.where((meeting < 0) | pending, -1, outcome)
    paperwork = np.where((paperwork > end) | (meeting < 0), -1, paperwork)
    amended = np.where((amended > end) | (outcome != 1), -1, amended)
    order = np.lexsort((plan, due_day))
    outcomes = np.array(schemas.REVIEW_OUTCOMES, dtype=object)
    return pa.Table.from_arrays([
        pa.array(plan[order]), pa.array(locality[order]), _dates(due_day[order]), _dates(meeting[order]),
        _dates(paperwork[order]),
        pa.array(np.where(outcome[order] >= 0, outcomes[np.maximum(outcome[order], 0)], None), type=pa.string()),
        _dates(amended[order]),
    ], schema=schemas.ANNUAL_REVIEWS)


# -- synthetic metric values -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Params:
    """How to draw one metric's synthetic series. Percent levels are 0-100."""
    level: float  # whole-area value at the start (counts: per period)
    trend: float = 0.0  # change a year: absolute for levels, a fraction a year for counts
    noise: float = 0.0  # standard deviation per period (absolute; counts draw Poisson noise instead)
    denominator: float | None = None  # whole-area denominator per period: the value becomes numerator/denominator
    england: float | None = None  # comparator levels (default: the area's level)
    neighbours: float | None = None
    steps: tuple[tuple[str, float], ...] = ()  # (intervention, change from then on)
    split: dict[str, float] = field(default_factory=dict)  # breakdown value -> share (counts) or offset (levels)
    season: tuple[float, ...] | None = None  # multiplier by calendar month
    local: bool = False  # also reported by locality
    missing: tuple[date, ...] = ()  # periods absent from the series
    not_available: tuple[date, ...] = ()  # periods present with status not_available
    outliers: tuple[tuple[date, float], ...] = ()  # (period, multiplier)
    floor: float | None = None  # lowest plausible value (defaults: 0 for percents and counts)


UNIT_DEFAULTS = {"percent": Params(60, 1.0, 3.0), "count": Params(100, 0.05), "rate": Params(5, 0, 0.4),
                 "days": Params(60, -2, 6), "weeks": Params(12, 0, 1), "score": Params(30, 0.3, 1.0),
                 "ratio": Params(1.0, 0, 0.05)}
SCHOOL_MONTHS = (0.97, 0.98, 0.99, 1.0, 0.99, 0.97, 0.96, 0.0, 1.01, 1.0, 0.99, 0.97)  # attendance; no August
SERVICE_SHARES = {"slt": 0.35, "ot": 0.08, "physio": 0.05, "paeds": 0.17, "nd_preschool": 0.1, "nd_school": 0.22,
                  "wheelchair": 0.03}
PARAMS = {
    "engagement_participants": Params(140, 0.1, local=True, steps=(("engagement_plan", 0.3),)),
    "engagement_new_families": Params(28, 0.12, local=True, steps=(("engagement_plan", 0.4),)),
    "pcf_members": Params(410, 0.08),
    "local_offer_visits": Params(4200, 0.05, steps=(("local_offer_relaunch", 0.35),),
                                 missing=(date(2022, 6, 1), date(2022, 7, 1)),
                                 outliers=((date(2024, 9, 1), 1.7),)),
    "meet_send_team_attendance": Params(42, 0.06, local=True),
    "meets_and_treats_attendance": Params(58, 0.08, local=True),
    "fft_responses": Params(85, 0.03, not_available=(date(2022, 12, 1),)),
    "empowerment_forum_coverage": Params(38, 12, 3),
    "parents_know_support_pct": Params(47, 4, 2.5),
    "local_offer_easy_pct": Params(52, 3, 2.5, steps=(("local_offer_relaunch", 8),)),
    "parent_communication_pct": Params(44, 3, 2.5),
    "send_complaints": Params(18, -0.05, outliers=((date(2022, 4, 1), 1.9),)),
    "attendance_mainstream_ehcp": Params(89.5, 0.3, 0.6, denominator=24000, season=SCHOOL_MONTHS, local=True),
    "attendance_mainstream_sen_support": Params(91.5, 0.2, 0.4, denominator=140000, season=SCHOOL_MONTHS,
                                                local=True),
    "suspensions_mainstream_send": Params(190, 0.02, local=True, split={"SEN support": 0.78, "EHC plan": 0.22}),
    "perm_exclusions_mainstream_send": Params(5, 0, local=True, split={"SEN support": 0.8, "EHC plan": 0.2}),
    "parent_confidence_mainstream_pct": Params(49, 3, 2.5),
    "ehcp_mainstream_per_10k": Params(15, 1.6, 0.4),
    "ehcp_special_per_10k": Params(20, 0.5, 0.4),
    "ehcp_independent_per_10k": Params(4.2, -0.2, 0.2),
    "short_breaks_cyp": Params(310, 0.03, local=True),
    "activities_participation_pct": Params(54, 3, 2.5),
    "activity_providers_trained": Params(11, 0.15),
    "local_offer_activities_visits": Params(850, 0.05, steps=(("local_offer_relaunch", 0.3),),
                                            season=(0.8, 0.85, 0.9, 1.1, 0.95, 1.0, 1.4, 1.6, 0.85, 1.0, 0.95, 1.2),
                                            outliers=((date(2025, 12, 1), 1.8),)),
    "post19_eet_ehcp": Params(45, 2, 2),
    "supported_internships": Params(9, 0.3),
    "paid_employment_ehcp": Params(7.5, 0.8, 0.8),
    "settled_accommodation_ehcp": Params(70, 1, 1.5),
    "ld_health_check_14plus": Params(61, 4, 2.5),
    "pfa_reviews_year9": Params(58, 6, denominator=32),
    "transition_iag_useful_pct": Params(60, 3, 2.5),
    "pfa_workforce_trained": Params(18, 0.1),
    "senco_graduated_training_pct": Params(22, 16, denominator=48),
    "therapy_waiters_contacted_pct": Params(48, 1, denominator=900, steps=(("slt_triage", 32),),
                                            split=SERVICE_SHARES),
    "therapy_harm_reviews_pct": Params(35, 2, denominator=60, steps=(("slt_triage", 45),), split=SERVICE_SHARES),
    "therapy_time_to_recruit": Params(95, -3, 10, steps=(("slt_bank_staff", -15),)),
    "ehcp_draft_on_time": Params(68, 0, denominator=22, steps=(("ehcp_restructure", 18),)),
    "ehcp_review_paperwork_on_time": Params(55, 3, denominator=130, steps=(("review_tracking", 12),)),
    "ehcp_audit_qs2": Params(48, 5, denominator=24, steps=(("ehcp_restructure", 10),)),
    "ehcp_audit_meets_standard": Params(55, 3, denominator=30, steps=(("ehcp_restructure", 15),),
                                        split={"New plans": 0.5, "Amended plans": 0.5}),
    "ehcp_linked_plans": Params(34, 8, denominator=24),
    "ehcp_combined_meetings": Params(7, 0.3),
    "ehcp_plan_feedback_pct": Params(55, 4, denominator=20),
    "ehcp_outcomes_achieved": Params(60, 2, denominator=210),
    "ehcp_progress_sample": Params(62, 2, 3, split={"Professional view": 3, "Parent and child view": -4}),
    "ehcp_total_per_10k": Params(300, 27, 3),
    "ehcp_new_per_10k": Params(37, 3, 2.5),
}


def periods(frequency: str) -> list[date]:
    """Period starts covering October 2020 to September 2026 at a frequency (annual series: six points)."""
    if frequency == "month":
        return [month_first(m) for m in range(month_index(START), month_index(END) + 1)]
    if frequency == "quarter":
        return [month_first(m) for m in range(month_index(START), month_index(END) + 1, 3)]
    if frequency == "term":
        return [date(y + (m < 9), m, 1) for y in range(2020, 2026) for m in sorted(schemas.TERM_STARTS.values(),
                                                                                  key=lambda m: (m < 9, m))]
    first_month = {"academic_year": 9, "financial_year": 4, "calendar_year": 1}[frequency]
    years = range(2020, 2026) if frequency != "calendar_year" else range(2021, 2027)
    return [date(y, first_month, 1) for y in years]


def metric_values(rng: np.random.Generator, catalogue, area_name: str, localities: tuple[str, ...],
                  comparators: tuple[str, ...], published: frozenset[str] = frozenset()) -> pa.Table:
    """A synthetic series for every metric_values metric with no published figures for the area (`published`):
    real data first, so no synthetic series stands in where a published one exists."""
    rows = []
    slugs = {s.name: s.slug for s in catalogue.services}
    for metric in catalogue.metrics:
        if metric.input != "metric_values" or metric.id in published:
            continue
        p = PARAMS.get(metric.id, UNIT_DEFAULTS[metric.unit])
        if metric.breakdown == "service":
            split = {name: p.split.get(slug, 1 / len(slugs)) for name, slug in slugs.items()}
        else:
            split = p.split
        rows += _metric_rows(rng, metric, p, split, area_name, localities if p.local else (), comparators
                             if metric.comparators else ())
    columns = {f.name: [r[f.name] for r in rows] for f in schemas.METRIC_VALUES}
    return pa.Table.from_pydict(columns, schema=schemas.METRIC_VALUES)


def _metric_rows(rng, metric, p: Params, split: dict[str, float], area_name, localities, comparators) -> list[dict]:
    """One metric's rows: cells are drawn at the finest grain (locality x breakdown) and summed upwards, so totals
    always equal their parts."""
    counts = metric.unit == "count"
    cells = [(loc, b) for loc in (localities or (area_name,)) for b in (split or ("All",))]
    rows = []
    for period in periods(metric.frequency):
        years = (period - START).days / 365.25
        season = p.season[period.month - 1] if p.season else 1.0
        if period in p.missing or season == 0.0:
            continue
        step = sum(change for key, change in p.steps if after(key, period))
        outlier = dict(p.outliers).get(period, 1.0)
        drawn = {}
        for loc, b in cells:
            share = (LOCALITY_SHARE[loc] if localities else 1.0) * (split.get(b, 1.0) if counts or p.denominator
                                                                    else 1.0)
            offset = split.get(b, 0.0) if split and not counts and not p.denominator else 0.0
            if counts:
                mean = p.level * (1 + p.trend) ** years * (1 + step) * season * outlier * share
                drawn[(loc, b)] = (float(rng.poisson(max(mean, 0))), None, None)
            elif p.denominator:
                den = float(rng.poisson(p.denominator * share))
                rate = np.clip((p.level + p.trend * years + step) * (season if p.season else 1), 0.5, 99.5) / 100
                num = float(rng.binomial(int(den), rate))
                drawn[(loc, b)] = (None, num, den)
            else:
                value = p.level + p.trend * years + step + offset + rng.normal(0, p.noise)
                value = max(value, p.floor if p.floor is not None else 0.0)
                drawn[(loc, b)] = (min(value, 100.0) if metric.unit == "percent" else value, None, None)
        for area in ((area_name, *localities) if localities else (area_name,)):
            for b in ("All", *split) if split else ("All",):
                parts = [v for (loc, cb), v in drawn.items()
                         if (area == area_name or loc == area) and (b == "All" or cb == b)]
                if counts:
                    value, num, den = sum(v[0] for v in parts), None, None
                elif p.denominator:
                    num, den = sum(v[1] for v in parts), sum(v[2] for v in parts)
                    value = 100 * num / den if den else None
                elif b == "All" and split:
                    value, num, den = float(np.mean([v[0] for v in parts])), None, None
                else:
                    value, num, den = parts[0][0], None, None
                status = "ok" if value is not None else "not_applicable"
                if period in p.not_available:
                    value, num, den, status = None, None, None, "not_available"
                rows.append(_row(metric.id, period, metric.frequency, area, b, value, num, den, status))
        for comparator in comparators:
            level = {"England": p.england, "Statistical neighbours": p.neighbours}.get(comparator) or p.level
            value = (level * (1 + p.trend) ** years if counts else level + p.trend * years) \
                + rng.normal(0, p.noise * 0.4)
            rows.append(_row(metric.id, period, metric.frequency, comparator, "All", float(value), None, None, "ok"))
    return rows


def _row(metric_id, period, period_type, area, breakdown, value, num, den, status) -> dict:
    return {"metric_id": metric_id, "period_start": period, "period_type": period_type, "area": area,
            "breakdown": breakdown, "value": None if value is None else round(float(value), 4), "numerator": num,
            "denominator": den, "status": status, "source": SYNTHETIC_SOURCE, "synthetic": True,
            "series_break": False, "quality": None}


# -- the published figures the demonstration data is calibrated to ----------------------------------------------

@dataclass(frozen=True)
class Published:
    """What data/build_published.py ingested for the area: the generator reproduces it and never stands in for it."""
    local_metrics: frozenset[str]  # metrics with published rows for the area: no synthetic series for these
    waiting_lists: dict[str, dict[date, float]]  # service -> month -> the provider's published list size
    timeliness: dict[int, Timeliness]  # calendar year -> published 20-week figures

    @classmethod
    def load(cls, area_name: str, path: Path = PUBLISHED_VALUES) -> Published:
        if not path.exists():
            raise SystemExit(f"{path} not found: run data/build_published.py first (the demonstration data is "
                             "calibrated to the published figures)")
        v = pq.read_table(path).to_pandas()
        local = v[v["area"] == area_name]
        ok = local[local["status"] == schemas.STATUS_OK]
        lists = {}
        for r in ok[ok["metric_id"] == "chs_waiting_list"].itertuples():
            lists.setdefault(r.breakdown, {})[r.period_start] = float(r.value)
        year = ok[ok["period_type"] == "calendar_year"].set_index(["metric_id", "period_start"])
        timeliness = {}
        for (metric_id, start), excl in year.iterrows():
            incl = year.loc[("ehcp_20wk_incl", start)] if ("ehcp_20wk_incl", start) in year.index else None
            if metric_id == "ehcp_20wk_excl" and incl is not None and min(excl.denominator, incl.denominator) > 0:
                timeliness[start.year] = Timeliness(excl.numerator, excl.denominator, incl.numerator,
                                                    incl.denominator)
        return cls(frozenset(local["metric_id"]), lists, timeliness)


# -- writing -------------------------------------------------------------------------------------------------------

def _replace(path: Path, data: bytes) -> None:
    """Write next to the target, then rename over it, so a failed run never leaves a half-written file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_table(table: pa.Table, path: Path) -> None:
    buffer = pa.BufferOutputStream()
    pq.write_table(table, buffer, compression="zstd")
    _replace(path, buffer.getvalue().to_pybytes())


def generate(out: Path, seed: int = SEED) -> dict[str, int]:
    """Write the default demonstration data under `out`; returns rows written per file."""
    out.mkdir(parents=True, exist_ok=True)
    catalogue, area = load_catalogue(), load_area()
    real = Published.load(area.name)
    streams = np.random.SeedSequence(seed).spawn(4)
    referrals = therapy_referrals(np.random.default_rng(streams[0]), catalogue, published=real.waiting_lists)
    requests = ehc_requests(np.random.default_rng(streams[1]), real.timeliness)
    reviews = annual_reviews(np.random.default_rng(streams[2]), requests)
    values = metric_values(np.random.default_rng(streams[3]), catalogue, area.name, area.localities,
                           ("England", "Statistical neighbours"), real.local_metrics)
    written = {}
    for name, table in (("therapy_referrals", referrals), ("ehc_requests", requests), ("annual_reviews", reviews),
                        ("metric_values", values)):
        write_table(table, out / f"{name}.parquet")
        written[f"{name}.parquet"] = table.num_rows
    write_annotations(out / "annotations.csv")
    written["annotations.csv"] = len(INTERVENTIONS)
    return written


CHUNK_SCALE = 30  # each benchmark chunk is the area's demand times this: about 600,000 referrals


def generate_referrals(out: Path, n: int, seed: int = SEED) -> int:
    """Write exactly `n` referrals as `out/therapy_referrals.parquet`, simulated chunk by chunk."""
    out.mkdir(parents=True, exist_ok=True)
    catalogue = load_catalogue()
    lists = Published.load(load_area().name).waiting_lists
    rows_per_unit_scale = 17000  # about what one copy of the area yields at scale 1 (checked by the tests)
    scale = min(CHUNK_SCALE, max(n / rows_per_unit_scale * 1.2, 0.01))
    path = out / "therapy_referrals.parquet"
    tmp = path.with_name(f".{path.name}.tmp")
    written = 0
    with pq.ParquetWriter(tmp, schemas.THERAPY_REFERRALS, compression="zstd") as writer:
        for chunk in itertools.count():
            if written >= n:
                break
            rng = np.random.default_rng([seed, n, chunk])
            table = therapy_referrals(rng, catalogue, scale, first_id=written + 1, published=lists)
            if written + table.num_rows > n:  # the last chunk: an evenly spread sample of what is still needed
                keep = np.sort(rng.choice(table.num_rows, n - written, replace=False))
                table = table.take(keep)
                table = table.set_column(0, schemas.THERAPY_REFERRALS.field("referral_id"),
                                         pa.array([f"TR{i:08d}" for i in range(written + 1, n + 1)]))
            writer.write_table(table)
            written += table.num_rows
    os.replace(tmp, path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent, help="output folder")
    parser.add_argument("--referrals", type=int, help="write only a therapy extract of exactly this many rows")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if args.referrals is not None:
        if args.referrals < 1:
            parser.error("--referrals must be at least 1")
        n = generate_referrals(args.out, args.referrals, args.seed)
        print(f"wrote {n} referrals to {args.out / 'therapy_referrals.parquet'}")
        return 0
    for name, rows in generate(args.out, args.seed).items():
        print(f"wrote {args.out / name}: {rows} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
