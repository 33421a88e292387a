"""One reader per published layout: each checks its columns, resolves rows to areas and time labels, and
reshapes the file (if needed) so that every published value sits in a column named as published."""
from metrics.ingest.readers import d2i, dashboard, ees, lait, nhs_autism, nhs_chs, tribunal

READERS = {
    "ees": ees.read,
    "dfe_dashboard": dashboard.read,
    "lait": lait.read,
    "nhs_chs": nhs_chs.read,
    "nhs_chs_dfe": nhs_chs.read_dfe_derived,
    "nhs_autism": nhs_autism.read,
    "d2i": d2i.read,
    "tribunal": tribunal.read,
}
