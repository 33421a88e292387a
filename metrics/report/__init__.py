"""The quarterly board report: one document model (`build_report`), written out as HTML (`render_html`) and
printed to PDF (`render_pdf`). `python -m metrics.report` writes either file; the `/report` page shows the HTML.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from metrics.report.build import build_report, default_quarter, place, report_quarters
from metrics.report.html import render_html
from metrics.report.pdf import render_pdf
from metrics.report.quarter import Quarter

__all__ = ["build_report", "render_html", "render_pdf", "report_html", "report_quarters", "default_quarter",
           "place", "Quarter"]

_CACHE_SIZE = 16
_cache: OrderedDict = OrderedDict()
_lock = threading.Lock()


def report_html(store, quarter: Quarter | str, locality: str = "area") -> str:
    """The report's HTML, kept per data version, quarter and locality (the page and its downloads share it)."""
    q = quarter if isinstance(quarter, Quarter) else Quarter.parse(quarter)
    key = (str(store.data_dir), store.version, q, locality)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    html = render_html(build_report(store, q, locality))
    with _lock:
        _cache[key] = html
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return html
