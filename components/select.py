"""A native `<select>` as a Dash component: what the filters need (an id, options, a value the browser sets), drawn
by assets/dashboard.js (`send_widgets.Select`, a few lines of React) instead of a component library's 228 kB script,
which every page load parsed for this one control (~25 ms of a warm load; BENCHMARKS.md)."""
from __future__ import annotations

from dash.development.base_component import Component

PROPS = ["id", "options", "value", "className", "disabled", "aria-*", "data-*"]


class Select(Component):
    """`options`: [{"value": str, "label": str}], shown in order; `value`: the chosen option's value, set by the
    browser when a reader picks another (a callback Input like any component's). A dict `id` is written to the DOM
    as Dash writes it (`components.page.dom_id`), so a `<label for>` finds it."""
    _children_props: list = []
    _base_nodes = ["children"]
    _namespace = "send_widgets"
    _type = "Select"

    def __init__(self, id=None, options=None, value=None, className="form-select", disabled=None, **kwargs):
        self._prop_names = PROPS
        self._valid_wildcard_attributes = ["data-", "aria-"]
        self.available_properties = PROPS
        self.available_wildcard_properties = ["data-", "aria-"]
        given = {k: v for k, v in dict(id=id, options=options, value=value, className=className,
                                       disabled=disabled).items() if v is not None}
        super().__init__(**given, **kwargs)
