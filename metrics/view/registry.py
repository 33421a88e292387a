"""Every view a URL can name, rebuilt from the URL: the one way to a chart's figure, table and download.

`/download/<id>.csv`, `/figure/<id>.json` and `/table/<id>.html` (components/routes.py) all call `resolve`, with the
query decoded through the same whitelist as a page's URL. An id is a catalogue measure, or one of the drill-down
views; anything else, a part the data does not have, or a record-level view in the public edition, is None (404).
"""
from __future__ import annotations

from metrics import urlstate
from metrics.edition import policy as policy_for
from metrics.memo import Memo
from metrics.view import drill
from metrics.view.measure import Scope, measure_chart, measure_view
from metrics.view.model import Chart, MeasureView

BY = {k.replace("_", "-"): k for k in ("weeks_band", "sen_status", "age_band", "first_language")}
MAX_CHARTS = 32


def _address(store, view_id: str, args: dict[str, str]) -> tuple[Scope, str, str] | None:
    """(scope, service, part) of a data address's query, through the URL whitelist; None if the service or the
    measure's part is not one the data has."""
    vocab = urlstate.vocabulary(store)
    page = store.catalogue.get(view_id).page if view_id in store.catalogue.ids else "therapy"
    state, _ = urlstate.decode(page, {k: v for k, v in args.items() if k in urlstate.PARAM_ATTR}, vocab)
    scope = Scope.of(state)
    service = args.get("service", urlstate.SERVICE_ALL)
    if service != urlstate.SERVICE_ALL and service not in vocab.services:
        return None
    part = args.get("part", "All")
    if view_id in store.catalogue.ids and part not in _parts(store, view_id, store.area.locality_slugs[scope.locality]):
        return None
    return scope, service, part


_known = Memo(windowed=0, whole=4096)  # measures × places


def _parts(store, metric_id: str, area: str) -> frozenset[str]:
    """The parts a measure's address may name at a place: its own, the whole area's (shown where it has none), All."""
    return _known.get((id(store), store.version, metric_id, area), True, lambda: frozenset(
        {"All", *store.breakdowns(metric_id, area), *store.breakdowns(metric_id, store.area.name)}))


def resolve(store, view_id: str, args: dict[str, str], audience: str | None = None) -> MeasureView | None:
    """The view `view_id` names for the query `args` (single values), or None when there is no such view."""
    pol = policy_for(audience)
    address = _address(store, view_id, args)
    if address is None:
        return None
    scope, service, part = address
    if view_id in store.catalogue.ids:
        return measure_view(store, view_id, scope, part, pol.audience)
    if view_id == "therapy-demand":
        return drill.therapy_demand(store, scope, service, pol.audience)
    if view_id == "ehcp-review-outcomes" and drill.OUTCOMES in store.catalogue.ids:
        return drill.review_outcomes(store, scope, pol.audience)
    if not pol.records:  # record-level views are the board's: in the public edition they do not exist
        return None
    if view_id == "ehcp-funnel":
        return drill.ehcp_assessment_funnel(store, scope, pol.audience)
    for prefix, build in (("therapy-waiting-", drill.therapy_waiting), ("therapy-missed-", drill.therapy_missed)):
        if view_id.startswith(prefix):
            by = BY.get(view_id.removeprefix(prefix))
            if by is None or (prefix == "therapy-missed-" and by == "weeks_band"):
                return None
            return build(store, scope, service, by, pol.audience)
    return None


def _index(args: dict[str, str]) -> int | None:
    """`?chart=N` as a number below MAX_CHARTS, or None. ASCII digits, at most two: a longer string of digits is
    no chart, and converting thousands of them would be an error (Python's limit), not a 404."""
    raw = args.get("chart", "0")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 2 and int(raw) < MAX_CHARTS else None


def chart_of(view: MeasureView, args: dict[str, str]) -> Chart | None:
    """The chart `?chart=N` of a view (0, the headline, by default), or None."""
    index = _index(args)
    return view.charts[index] if index is not None and index < len(view.charts) else None


def resolve_chart(store, view_id: str, args: dict[str, str], audience: str | None = None) -> Chart | None:
    """`chart_of(resolve(...), args)`: for a measure, its chart alone (`measure_chart`), not its whole view."""
    if view_id not in store.catalogue.ids:
        view = resolve(store, view_id, args, audience)
        return None if view is None else chart_of(view, args)
    address, index = _address(store, view_id, args), _index(args)
    if address is None or index is None:
        return None
    scope, _, part = address
    return measure_chart(store, view_id, scope, part, policy_for(audience).audience, index)
