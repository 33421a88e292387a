"""Statistical process control for the dashboard: Making Data Count XmR, p, Laney p' and c charts, and run charts.

Exact to the reference implementations an analyst would check against: NHSRplotthedots 0.2.2 (XmR, the four
Making Data Count rules, point types and icons) and qicharts2 0.8.1 (p, p', c and run charts, Anhøj rules). The
two-in-three rule follows today's Making Data Count guidance by default (two_sigma_rule="mdc", as PowerBI-SPC);
two_sigma_rule="plotthedots" keeps NHSRplotthedots 0.2.2's. Where this code chooses differently it says so at the
place it does (missing values in a trend, rebase dates between points, a missing latest point). `choose` picks a
chart for a series of counts.
"""
from metrics.spc.charts import c_chart, p_chart, run_chart, xmr
from metrics.spc.inputs import TWO_SIGMA_RULES
from metrics.spc.result import ASSURANCES, POINT_TYPES, VARIATIONS, Signal, SpcResult

__all__ = ["xmr", "p_chart", "c_chart", "run_chart", "SpcResult", "Signal", "VARIATIONS", "ASSURANCES",
           "POINT_TYPES", "TWO_SIGMA_RULES"]
