"""The data contract: one declared pyarrow schema per input, and the closed vocabularies it uses.

`data/README.md` documents the same contract for people; this module is what the loader enforces.
"""
from __future__ import annotations

import pyarrow as pa

PERIOD_TYPES = ("month", "quarter", "term", "academic_year", "financial_year", "calendar_year")
# School terms (DfE): autumn from 1 September, spring from 1 January, summer from 1 April (after Easter; the
# publications name terms, not dates, so the period starts on the first of the term's first full month).
TERM_STARTS = {"Autumn term": 9, "Spring term": 1, "Summer term": 4}

# Typed states for a value that is not a plain number. Published files use GSS/DfE symbols for these;
# they are kept, never turned silently into 0 or NaN.
STATUS_OK = "ok"
STATUSES = {
    STATUS_OK: "",
    "suppressed": "c",  # confidential / suppressed (also legacy "~")
    "not_available": "x",  # not available (also legacy ":")
    "not_applicable": "z",
    "low": "low",  # rounds to zero but is not zero
}
SYMBOL_TO_STATUS = {"c": "suppressed", "~": "suppressed", "x": "not_available", ":": "not_available",
                    "z": "not_applicable", "low": "low", "-": "not_available"}

# Data-quality flags a published value can carry (metric_values `quality`): one or more of these, joined by ";" in
# this order; null = none. Each maps to the plain wording that may be shown to anyone, families included. Why a
# value was flagged (a publisher's caveat, an analyst's note, the other source's figure) stays in the ingest log.
QUALITY_FLAGS = {
    "provisional": "Provisional: the publisher may still change this figure.",
    "revised": "Revised: the publisher changed this figure in a later release.",
    "doubtful": "This published figure looks out of line with the years around it, so read it with care.",
    "repeated_month": "The same figures as the month before: the provider may have sent last month's figures again.",
    "sources_disagree": "Two publications give different figures for this; the one shown was chosen by a set rule.",
}
QUALITY_SEPARATOR = ";"


def quality_text(*flags: str | None) -> str | None:
    """The `quality` cell for a set of flags (any of them may be None or already joined): vocabulary order, no
    repeats; None when there are none. Raises ValueError on a flag outside the vocabulary."""
    found = {f for cell in flags if isinstance(cell, str) for f in cell.split(QUALITY_SEPARATOR) if f}
    unknown = found - set(QUALITY_FLAGS)
    if unknown:
        raise ValueError(f"unknown quality flag(s) {', '.join(sorted(unknown))}; "
                         f"expected one of: {', '.join(QUALITY_FLAGS)}")
    return QUALITY_SEPARATOR.join(f for f in QUALITY_FLAGS if f in found) or None


def is_quality(cell: str) -> bool:
    """A well-formed `quality` cell: known flags, in vocabulary order, each once."""
    try:
        return quality_text(cell) == cell
    except ValueError:
        return False


SEN_STATUSES = ("none", "SEN support", "EHC plan")
AGE_BANDS = ("0-4", "5-10", "11-15", "16-18", "19-25")
REVIEW_OUTCOMES = ("maintained", "amended", "ceased")
AGENCIES = ("education", "health", "social_care")

METRIC_VALUES = pa.schema([
    pa.field("metric_id", pa.string(), nullable=False),
    pa.field("period_start", pa.date32(), nullable=False),
    pa.field("period_type", pa.string(), nullable=False),
    pa.field("area", pa.string(), nullable=False),
    pa.field("breakdown", pa.string(), nullable=False),
    pa.field("value", pa.float64()),
    pa.field("numerator", pa.float64()),
    pa.field("denominator", pa.float64()),
    pa.field("status", pa.string(), nullable=False),  # a key of STATUSES
    pa.field("source", pa.string(), nullable=False),
    pa.field("synthetic", pa.bool_(), nullable=False),  # synthetic demonstration data, not published
    pa.field("series_break", pa.bool_(), nullable=False),  # a new definition starts here: no limits across it
    pa.field("quality", pa.string()),  # QUALITY_FLAGS joined by ";"; null: nothing to flag
])

THERAPY_REFERRALS = pa.schema([
    pa.field("referral_id", pa.string(), nullable=False),
    pa.field("service", pa.string(), nullable=False),  # a service name from the catalogue's [[service]] list
    pa.field("locality", pa.string(), nullable=False),
    pa.field("referral_date", pa.date32(), nullable=False),
    pa.field("first_contact_date", pa.date32()),  # null: still waiting
    pa.field("discharge_date", pa.date32()),
    pa.field("age_band", pa.string(), nullable=False),
    pa.field("sen_status", pa.string(), nullable=False),
    pa.field("first_language_english", pa.bool_(), nullable=False),
    pa.field("did_not_attend_count", pa.int32(), nullable=False),
])

EHC_REQUESTS = pa.schema([
    pa.field("request_id", pa.string(), nullable=False),
    pa.field("locality", pa.string(), nullable=False),
    pa.field("request_date", pa.date32(), nullable=False),
    pa.field("decision_to_assess_date", pa.date32()),  # null: not (yet) agreed to assess
    pa.field("education_advice_requested_date", pa.date32()),
    pa.field("education_advice_received_date", pa.date32()),
    pa.field("health_advice_requested_date", pa.date32()),
    pa.field("health_advice_received_date", pa.date32()),
    pa.field("social_care_advice_requested_date", pa.date32()),
    pa.field("social_care_advice_received_date", pa.date32()),
    pa.field("draft_issued_date", pa.date32()),
    pa.field("final_issued_date", pa.date32()),
    pa.field("exception_applies", pa.bool_(), nullable=False),
    pa.field("phase_transfer_deadline", pa.date32()),  # 15 February or 31 March of the transfer year
])

ANNUAL_REVIEWS = pa.schema([
    pa.field("plan_id", pa.string(), nullable=False),
    pa.field("locality", pa.string(), nullable=False),
    pa.field("review_due_date", pa.date32(), nullable=False),
    pa.field("meeting_date", pa.date32()),
    pa.field("paperwork_received_date", pa.date32()),
    pa.field("outcome", pa.string()),  # one of REVIEW_OUTCOMES; null until decided
    pa.field("amended_plan_issued_date", pa.date32()),
])

# Nullable columns added to an input after files were first written: a file without one reads as all nulls.
OPTIONAL_COLUMNS = {"metric_values": ("quality",)}

# Input name -> (file stem or folder under data/, schema, the columns that identify a row uniquely).
INPUTS = {
    "metric_values": ("metric_values", METRIC_VALUES,
                      ("metric_id", "period_start", "period_type", "area", "breakdown")),
    "therapy_referrals": ("therapy_referrals", THERAPY_REFERRALS, ("referral_id",)),
    "ehc_requests": ("ehc_requests", EHC_REQUESTS, ("request_id",)),
    "annual_reviews": ("annual_reviews", ANNUAL_REVIEWS, ("plan_id", "review_due_date")),
}
