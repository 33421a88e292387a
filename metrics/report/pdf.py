"""The report's HTML printed to an A4 PDF by WeasyPrint (CSS paged media: page numbers, contents page numbers,
vector SVG charts). WeasyPrint needs Debian's Pango (libpango-1.0-0, libpangoft2-1.0-0)."""
from __future__ import annotations


def render_pdf(html: str) -> bytes:
    # Imported here: WeasyPrint is slow to import and only the PDF needs it.
    from weasyprint import HTML

    return HTML(string=html).write_pdf()
