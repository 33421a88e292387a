"""Statistical process control for the dashboard: Making Data Count XmR, p and Laney p' charts, and run charts.

Exact to the reference implementations an analyst would check against: NHSRplotthedots 0.2.2 (XmR, the four
Making Data Count rules, point types and icons) and qicharts2 0.8.1 (p, p' and run charts, Anhøj rules). Where
this code chooses differently it says so at the place it does (missing values in a trend, rebase dates between
points, a missing latest point).
"""
from metrics.spc.charts import p_chart, run_chart, xmr
from metrics.spc.result import ASSURANCES, POINT_TYPES, VARIATIONS, Signal, SpcResult

__all__ = ["xmr", "p_chart", "run_chart", "SpcResult", "Signal", "VARIATIONS", "ASSURANCES", "POINT_TYPES"]
