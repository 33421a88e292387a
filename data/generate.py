"""Deterministic synthetic demonstration data for the dashboard, at Blackpool's scale.

    .venv/bin/python data/generate.py [--out DIR] [--seed S]          # the committed default data
    .venv/bin/python data/generate.py --referrals N --out DIR         # only a therapy extract of exactly N rows

The default run writes, under DIR (default: this folder), `therapy_referrals.parquet`, `ehc_requests.parquet`,
`annual_reviews.parquet`, `metric_values.parquet` and the intervention log `annotations.csv`, for the 72 months
October 2020 to September 2026. The same seed always writes the same bytes.

The record-level extracts come from small simulations, not from curves: each therapy service is a waiting list
with seasonal, rising demand and a capacity that changes at the dated interventions in INTERVENTIONS (which are
also written out as the intervention log), so waits build up and then fall after, say, the SLT triage clinic. The
extracts include the opening backlog: referrals made before October 2020 and still open then, as a real extract of
"everything open during the period" would. EHC requests and annual reviews follow Blackpool's published volumes.
`metric_values` holds a plausible synthetic series for every catalogue metric whose input is `metric_values`,
marked synthetic; published figures, where ingested, supersede them.

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
# changes capacity and performance at these dates, and they are written out as data/annotations.csv.
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
    "local_offer_relaunch": Event(date(2023, 2, 28), "Local Offer website relaunched",
                                  "Co-produced redesign of the Local Offer, relaunched and publicised (WSoA 3.3.2).",
                                  metric_ids=("local_offer_visits", "local_offer_activities_visits",
                                              "local_offer_easy_pct"), rebase=True),
    "engagement_plan": Event(date(2025, 3, 31), "Co-production and engagement plan updated",
                             "Activities planned for areas where mapping found gaps in reach, especially Central "
                             "(2.2.1).", metric_ids=("engagement_participants", "engagement_new_families",
                                                     "meets_and_treats_attendance", "meet_send_team_attendance")),
    "wheelchair_contract": Event(date(2025, 9, 1), "New wheelchair service contract",
                                 "A new provider contract with more assessment clinics, after long waits were raised "
                                 "at inspection.", services=("wheelchair",), rebase=True),
}


def after(key: str, d: date) -> bool:
    return d >= INTERVENTIONS[key].date


def write_annotations(path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["date", "title", "description", "services", "metric_ids", "localities", "rebase"])
    for e in sorted(INTERVENTIONS.values(), key=lambda e: (e.date, e.title)):
        writer.writerow([e.date.isoformat(), e.title, e.description, ";".join(e.services), ";".join(e.metric_ids),
                         ";".join(e.localities), "true" if e.rebase else "false"])
    _replace(path, buffer.getvalue().encode())


# -- therapy referrals: one waiting list per service -------------------------------------------------------------

@dataclass(frozen=True)
class Service:
    demand: float  # referrals a month, whole area, October 2020
    growth: float  # demand growth a year (fraction)
    backlog_months: float  # how many months of demand were waiting at the start
    capacity: float  # first contacts a month as a share of demand
    boosts: tuple[tuple[str, float], ...] = ()  # (intervention, capacity share from then on)
    settle_months: float = 2.5  # after a boost, capacity drops back to demand once the list is this many months'
    urgent: float = 0.1  # share seen quickly outside the queue
    ages: tuple[float, ...] = (0.2, 0.45, 0.25, 0.08, 0.02)  # share per schemas.AGE_BANDS
    sen: tuple[float, ...] = (0.6, 0.28, 0.12)  # share per schemas.SEN_STATUSES
    demand_steps: tuple[tuple[str, float], ...] = ()  # (intervention, demand multiplier from then on)
    outliers: tuple[tuple[date, float], ...] = ()  # (month, demand multiplier): one-off spikes


# Levels after the NHS England community health services waiting list returns for Blackpool Teaching Hospitals
# (2023: about 600 children waiting for speech and language therapy, 60 for occupational therapy).
SERVICES = {
    "slt": Service(72, 0.05, 6, 0.9, (("slt_bank_staff", 0.95), ("slt_triage", 1.45)), settle_months=3,
                   ages=(0.55, 0.38, 0.05, 0.02, 0.0), demand_steps=(("graduated_approach", 0.92),),
                   outliers=((date(2022, 3, 1), 1.5),)),
    "ot": Service(26, 0.04, 3, 0.94, (("ot_initiative", 1.35),), settle_months=2, ages=(0.15, 0.55, 0.25, 0.05, 0.0),
                  outliers=((date(2024, 11, 1), 1.6),)),
    "physio": Service(21, 0.02, 1.5, 0.995, ages=(0.35, 0.35, 0.2, 0.08, 0.02)),
    "paeds": Service(44, 0.04, 3.5, 0.97, ages=(0.4, 0.4, 0.17, 0.03, 0.0), sen=(0.5, 0.32, 0.18)),
    "nd_preschool": Service(13, 0.1, 9, 0.88, (("nd_preschool_recovery", 1.5),), settle_months=4, urgent=0.03,
                            ages=(1.0, 0, 0, 0, 0), sen=(0.55, 0.3, 0.15)),
    "nd_school": Service(34, 0.08, 10, 0.92, (("nd_school_pathway", 1.2),), settle_months=4, urgent=0.03,
                         ages=(0, 0.6, 0.35, 0.05, 0), sen=(0.45, 0.38, 0.17),
                         demand_steps=(("nd_school_pathway", 0.85),)),
    "wheelchair": Service(6, 0.02, 9, 0.88, (("wheelchair_contract", 1.7),), settle_months=3, urgent=0.05,
                          ages=(0.15, 0.35, 0.3, 0.15, 0.05), sen=(0.3, 0.3, 0.4)),
}
THERAPY_SIM_START = date(2019, 10, 1)  # a year of run-in, so October 2020 opens with a realistic backlog
LOCKDOWN_MONTHS = (date(2021, 1, 1), date(2021, 2, 1))
BOOKING_DAYS = 21  # a first appointment is booked at least this long after referral
LEAVE_UNSEEN = 0.005  # a month: moved away, no longer needed


def capacity_share(service: Service, month: date, waiting: int, demand: float) -> float:
    """First contacts a month as a share of demand, with `waiting` children on the list."""
    share = service.capacity
    for key, boosted in service.boosts:
        share = boosted if after(key, month) else share
    # A boosted service stops over-delivering once its list is down to a few months of demand.
    return 1.0 if share > 1.05 and waiting < service.settle_months * demand else share


def _day_in(rng: np.random.Generator, not_before: np.ndarray, first_day: int, length: int) -> np.ndarray:
    """A random day in the month starting `first_day`, no earlier than `not_before`."""
    lo = np.maximum(not_before, first_day)
    return lo + (rng.random(lo.size) * (first_day + length - lo)).astype(np.int64)


def _triage(rng: np.random.Generator, n: int) -> np.ndarray:
    """Days added to the referral date to give the order children are seen in: clinical judgement blurs strict
    order, and a few routine referrals keep being overtaken by more pressing ones (the long tail of waits)."""
    return rng.normal(0, 25, n) + np.where(rng.random(n) < 0.06, rng.uniform(90, 330, n), 0)


def simulate_service(rng: np.random.Generator, slug: str, service: Service, scale: float) -> dict[str, np.ndarray]:
    """One service's waiting list month by month: arrivals, urgent contacts, children leaving unseen, then
    oldest-first contacts (clinical prioritisation is noise on the order). Day numbers; -1 for none."""
    base = service.demand * scale
    # The opening backlog: referrals spread over twice the backlog length before the run-in starts.
    n0 = rng.poisson(base * service.backlog_months)
    ref = day(THERAPY_SIM_START) - 1 - rng.integers(0, max(int(service.backlog_months * 61), 1), n0)
    contact, discharge = np.full(n0, -1), np.full(n0, -1)
    queue, priority = np.arange(n0), ref + _triage(rng, n0)
    for idx in range(month_index(THERAPY_SIM_START), month_index(END) + 1):
        month = month_first(idx)
        first_day, length = day(month), (month_first(idx + 1) - month).days
        trend = base * (1 + service.growth) ** years_since_start(month)
        demand = trend * TERM_SEASON[month.month - 1] * dict(service.outliers).get(month, 1.0)
        for key, factor in service.demand_steps:
            demand *= factor if after(key, month) else 1.0
        lockdown = month in LOCKDOWN_MONTHS
        n = rng.poisson(demand * (0.55 if lockdown else 1.0))
        new_ref = first_day + rng.integers(0, length, n)
        urgent = rng.random(n) < service.urgent
        ids = ref.size + np.arange(n)
        ref = np.concatenate([ref, new_ref])
        contact = np.concatenate([contact, np.where(urgent, new_ref + rng.integers(5, 36, n), -1)])
        discharge = np.concatenate([discharge, np.full(n, -1)])
        queue = np.concatenate([queue, ids[~urgent]])
        priority = np.concatenate([priority, new_ref[~urgent] + _triage(rng, int((~urgent).sum()))])
        # Some leave the list unseen each month; the OT initiative validated its whole list.
        validation = 0.1 if slug == "ot" and idx == month_index(INTERVENTIONS["ot_initiative"].date) else 0.0
        gone = rng.random(queue.size) < LEAVE_UNSEEN + validation
        discharge[queue[gone]] = _day_in(rng, ref[queue[gone]], first_day, length)
        queue, priority = queue[~gone], priority[~gone]
        share = capacity_share(service, month, queue.size, trend)
        offered = rng.poisson(trend * share * LEAVE_SEASON[month.month - 1] * (0.7 if lockdown else 1.0))
        bookable = ref[queue] <= first_day + length - 1 - BOOKING_DAYS
        seen = min(int(bookable.sum()), max(0, offered - int(urgent.sum())))
        if seen:
            pick = np.argpartition(np.where(bookable, priority, np.inf), seen - 1)[:seen]
            contact[queue[pick]] = _day_in(rng, ref[queue[pick]], first_day, length)
            keep = np.ones(queue.size, bool)
            keep[pick] = False
            queue, priority = queue[keep], priority[keep]
    treated = contact >= 0  # discharged after an episode of care
    discharge[treated] = contact[treated] + 14 + rng.gamma(2.0, 90.0, treated.sum()).astype(np.int64)
    return {"ref": ref, "contact": contact, "discharge": discharge}


def therapy_referrals(rng: np.random.Generator, catalogue, scale: float = 1.0, first_id: int = 1) -> pa.Table:
    """One copy of the area's therapy referrals (demand multiplied by `scale`), open at some point from START."""
    names = {s.slug: s.name for s in catalogue.services}
    localities = list(LOCALITY_SHARE)
    parts = []
    for slug, service in SERVICES.items():
        sim = simulate_service(rng, slug, service, scale)
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


def within_20_weeks_share(d: date) -> float:
    """Share of final plans in 20 weeks: about 75-85% to 2023, 60% in 2024 (published), then the restructure."""
    if after("ehcp_restructure", d):
        return min(0.92, 0.7 + 0.22 * (d - INTERVENTIONS["ehcp_restructure"].date).days / 365)
    # Steered a little above the published shares: late advice pushes some plans past 20 weeks regardless.
    return {2020: 0.85, 2021: 0.8, 2022: 0.9, 2023: 0.9}.get(d.year, 0.62)


def advice_in_time_share(agency: str, d: date) -> float:
    before, tracked = {"education": (0.78, 0.92), "health": (0.62, 0.86), "social_care": (0.5, 0.82)}[agency]
    return tracked if after("advice_tracking", d) else before


def ehc_requests(rng: np.random.Generator) -> pa.Table:
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
    advice = {}
    for agency, asked_share in (("education", 1.0), ("health", 0.9), ("social_care", 0.45)):
        asked = agreed & (rng.random(n) < asked_share)
        requested = np.where(asked, decision + rng.integers(0, 4, n), none)
        share = np.array([advice_in_time_share(agency, d) for d in as_dates])
        took = np.where(rng.random(n) < share, rng.integers(14, 43, n), 43 + rng.gamma(2, 12, n).astype(int))
        advice[agency] = (requested, np.where(asked, requested + took, none))
    advice_done = np.max([rec for _, rec in advice.values()], axis=0)
    plan = agreed & (rng.random(n) < 0.85)  # some assessments conclude a plan is not needed
    exception = rng.random(n) < 0.03
    draft = advice_done + rng.integers(10, 31, n)
    final = draft + rng.integers(15, 31, n)
    # Steer the total to the period's 20-week performance (exceptions run late), keeping the stages in order.
    want_in_time = (rng.random(n) < np.array([within_20_weeks_share(d) for d in as_dates])) & ~exception
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
    "pupils_ehcp_pct": Params(4.6, 0.3, 0.08, england=4.0, neighbours=4.5),
    "pupils_sen_support_pct": Params(15.6, 0.4, 0.25, england=13.0, neighbours=15.0),
    "autism_first_appt_over_13wk": Params(86, -1.5, 3.5, england=89, neighbours=87,
                                          split={"Under 10": 2, "10 to 17": 0, "18 to 24": -9}),
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
    "absence_ehcp": Params(11.2, 0.1, 0.4, england=9.6, neighbours=10.8),
    "absence_sen_support": Params(9.4, 0.1, 0.3, england=8.2, neighbours=9.1),
    "persistent_absence_ehcp": Params(33, 0.3, 1.5, england=30, neighbours=32.5),
    "persistent_absence_sen_support": Params(31, 0.2, 1.2, england=27, neighbours=30),
    "attendance_mainstream_ehcp": Params(89.5, 0.3, 0.6, denominator=24000, season=SCHOOL_MONTHS, local=True),
    "attendance_mainstream_sen_support": Params(91.5, 0.2, 0.4, denominator=140000, season=SCHOOL_MONTHS,
                                                local=True),
    "suspension_rate_ehcp": Params(24, 0.5, 2, england=16, neighbours=21),
    "suspension_rate_sen_support": Params(29, 0.4, 2, england=20, neighbours=26),
    "perm_exclusion_rate_ehcp": Params(0.22, 0, 0.05, england=0.12, neighbours=0.2),
    "perm_exclusion_rate_sen_support": Params(0.48, 0, 0.08, england=0.3, neighbours=0.42),
    "suspensions_mainstream_send": Params(190, 0.02, local=True, split={"SEN support": 0.78, "EHC plan": 0.22}),
    "perm_exclusions_mainstream_send": Params(5, 0, local=True, split={"SEN support": 0.8, "EHC plan": 0.2}),
    "ks2_rwm_ehcp": Params(9, 0.3, 2, england=8, neighbours=8.5),
    "ks2_rwm_sen_support": Params(20, 0.5, 2, england=24, neighbours=21),
    "ks4_att8_ehcp": Params(13, 0.2, 1, england=14.2, neighbours=13.5),
    "ks4_att8_sen_support": Params(30.5, 0.2, 1, england=33.3, neighbours=31),
    "ks4_p8_ehcp": Params(-1.3, 0.02, 0.08, england=-1.12, neighbours=-1.25, floor=-3),
    "ks4_p8_sen_support": Params(-0.72, 0.02, 0.06, england=-0.45, neighbours=-0.65, floor=-3),
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
    "neet_nk_ehcp": Params(9.5, -0.2, 1.0, england=8.0, neighbours=9.0),
    "neet_nk_sen_support": Params(9.0, -0.2, 0.8, england=6.6, neighbours=8.4),
    "post16_et_sen": Params(86, 0.3, 1.0, england=89, neighbours=87),
    "ks4_destination_ehcp": Params(88, 0.3, 1.5, england=89, neighbours=88),
    "ks4_destination_sen_support": Params(84, 0.3, 1.5, england=88, neighbours=85),
    "destination_1618_sen": Params(80, 0.4, 1.5, england=83, neighbours=81),
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
    "ehcp_caseload": Params(1206, 0.09),
    "ehcp_new_plans": Params(150, 0.08),
    "ehcp_total_per_10k": Params(300, 27, 3),
    "ehcp_new_per_10k": Params(37, 3, 2.5),
    "tribunal_appeal_rate": Params(1.0, 0.1, 0.3, england=2.5, neighbours=1.6),
    "ehcp_review_decision_4wk": Params(52, 3, 4, england=58, neighbours=55),
}


def periods(frequency: str) -> list[date]:
    """Period starts covering October 2020 to September 2026 at a frequency (annual series: six points)."""
    if frequency == "month":
        return [month_first(m) for m in range(month_index(START), month_index(END) + 1)]
    if frequency == "quarter":
        return [month_first(m) for m in range(month_index(START), month_index(END) + 1, 3)]
    first_month = {"academic_year": 9, "financial_year": 4, "calendar_year": 1}[frequency]
    years = range(2020, 2026) if frequency != "calendar_year" else range(2021, 2027)
    return [date(y, first_month, 1) for y in years]


def metric_values(rng: np.random.Generator, catalogue, area_name: str, localities: tuple[str, ...],
                  comparators: tuple[str, ...]) -> pa.Table:
    rows = []
    slugs = {s.name: s.slug for s in catalogue.services}
    for metric in catalogue.metrics:
        if metric.input != "metric_values":
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
            "series_break": False}


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
    streams = np.random.SeedSequence(seed).spawn(4)
    referrals = therapy_referrals(np.random.default_rng(streams[0]), catalogue)
    requests = ehc_requests(np.random.default_rng(streams[1]))
    reviews = annual_reviews(np.random.default_rng(streams[2]), requests)
    values = metric_values(np.random.default_rng(streams[3]), catalogue, area.name, area.localities,
                           ("England", "Statistical neighbours"))
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
    rows_per_unit_scale = 20000  # about what one copy of the area yields at scale 1 (checked by the tests)
    scale = min(CHUNK_SCALE, max(n / rows_per_unit_scale * 1.2, 0.01))
    path = out / "therapy_referrals.parquet"
    tmp = path.with_name(f".{path.name}.tmp")
    written = 0
    with pq.ParquetWriter(tmp, schemas.THERAPY_REFERRALS, compression="zstd") as writer:
        for chunk in itertools.count():
            if written >= n:
                break
            rng = np.random.default_rng([seed, n, chunk])
            table = therapy_referrals(rng, catalogue, scale, first_id=written + 1)
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
