"""The metrics layer: plain Python (no Dash) that loads, validates and analyses the dashboard's data.

Pages and components draw what this package returns; nothing here imports Dash.
"""

from metrics import allocators as _allocators

_allocators.configure()
