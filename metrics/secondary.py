"""Secondary suppression over linked quantities: which further cells to hide so that nothing hidden can be worked out.

The model (metrics.disclosure builds it from a metric-values frame) is deliberately the attacker's best case:

- a *quantity* is one whole number of children or events (a count, a numerator, a denominator); several cells may
  show the same quantity (plans issued is also the 20-week measure's denominator);
- a shown cell gives away every quantity it carries exactly, even where it is published as a rounded percentage;
- a *line* says a total is the sum of its parts (the area and its localities, `All` and its breakdown values, a
  year and its months); a total of -1 is a constant known from elsewhere;
- a *target* is a linear combination of quantities that must never be worked out: the quantity a hidden cell shows
  (a count, or a percentage's numerator), small counts and small complements, small differences between nested
  counts (children waiting 18 to 52 weeks), and consecutive periods of a cumulative count;
- zeros are known: a quantity that is 0, and a *tie* (a difference of nested counts, or a complement, that is 0),
  count as known to the attacker, hidden or not. Every quantity and every such difference is at least 0, so an
  attacker can pin a hidden figure at a bound (a hidden part of a total published as 0 is 0) where the equations
  alone leave it free; taking every zero as known makes the equations at least as strong as that reasoning
  (bounds can only pin through quantities or differences that are 0). A zero itself identifies no child, so a
  hidden cell whose figure is 0 is not a target.

A target is worked out when it lies in the row space of the lines and ties restricted to the unknown quantities
(those no shown cell carries and not 0). Hiding a quantity means
hiding every shown cell that carries it. The search is greedy, cheapest first: the usual "no line with exactly one
unknown" rule does most of the work without any algebra; an exact check then catches what it cannot see (a bridge
between two blocks of hidden cells, a difference of two shown counts) and hides the cheapest quantity that stops it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

EPS = 1e-9


@dataclass
class Model:
    """Quantities 0..Q-1, cells 0..N-1 and what links them (see the module docstring)."""
    truth: np.ndarray  # per quantity: its value (NaN when unknown even to us, e.g. hidden at source)
    carries: list[tuple[int, ...]]  # per cell: the quantities it shows
    main: np.ndarray  # per cell: the quantity whose exact value would give a hidden cell away (-1: none)
    lines: list[tuple[int, tuple[int, ...]]]  # (total quantity or -1 for a known constant, part quantities)
    targets: list[tuple[tuple[int, ...], tuple[float, ...]]] = field(default_factory=list)  # (quantities, coefs)
    label: np.ndarray | None = None  # per quantity: a stable tie-break (its key), so results never depend on order
    fixed: np.ndarray | None = None  # per cell: shown whatever happens (a `not available` cell has nothing to hide,
    # yet its figure may be published elsewhere, so what it carries counts as known)
    ties: list[tuple[tuple[int, ...], tuple[float, ...]]] = field(default_factory=list)  # combinations known to be 0


def protect(model: Model, hidden: np.ndarray) -> np.ndarray:
    """Cells to hide besides `hidden` (a bool mask over cells) so that no target can be worked out. Returns the
    new mask; `hidden` is not changed. Blocks of linked quantities are independent and solved one at a time."""
    hidden = hidden.copy()
    n_q = len(model.truth)
    if n_q == 0:
        return hidden
    # Blocks: connected components of quantities linked by a line, a cell or a target (labels propagated to the
    # smallest quantity id of each component).
    pairs = [(q, group[0]) for group in ([g for g in (t, *p) if g >= 0] for t, p in model.lines) for q in group[1:]]
    pairs += [(q, qs[0]) for qs in model.carries for q in qs[1:]]
    pairs += [(q, qs[0]) for qs, _ in (*model.targets, *model.ties) for q in qs[1:]]
    root = _components(n_q, *np.array(pairs).T) if pairs else np.arange(n_q)
    cells_of: dict[int, list[int]] = {}
    for c, qs in enumerate(model.carries):
        if qs:
            cells_of.setdefault(root[qs[0]], []).append(c)
    lines_of: dict[int, list] = {}
    for line in model.lines:  # a row: ({quantity: coefficient}, total quantity or -1)
        row = {q: 1.0 for q in line[1]} | ({line[0]: -1.0} if line[0] >= 0 else {})
        lines_of.setdefault(root[line[1][0] if line[1] else line[0]], []).append((row, line[0]))
    for qs, coefs in model.ties:
        lines_of.setdefault(root[qs[0]], []).append((dict(zip(qs, coefs)), -1))
    targets_of: dict[int, list] = {}
    for t in model.targets:
        targets_of.setdefault(root[t[0][0]], []).append(t)
    label = model.label if model.label is not None else np.arange(n_q)
    # Hundreds of small eigenproblems: one BLAS thread each is several times faster than threads that contend
    # (measured: 4 ms against 70 ms for 120 x 120 on a busy 2-core machine).
    with threadpool_limits(1, user_api="blas"):
        for r, cells in cells_of.items():
            block_targets = targets_of.get(r, [])
            if not hidden[cells].any() and not block_targets:
                continue
            _Block(model, cells, lines_of.get(r, []), block_targets, hidden, label).solve()
    return hidden


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per node 0..n-1, the smallest node of its connected component (edges a[i]-b[i]): labels propagated along
    all edges at once, with pointer jumping, until they stop changing."""
    label = np.arange(n)
    while True:
        low = np.minimum(label[a], label[b])
        before = label.copy()
        np.minimum.at(label, a, low)
        np.minimum.at(label, b, low)
        label = label[label]
        if np.array_equal(label, before):
            return label


def _groups(nonzero: np.ndarray) -> list[np.ndarray]:
    """Column groups of a boolean matrix connected through its rows (columns in no row are left out)."""
    r, c = np.nonzero(nonzero)
    if c.size == 0:
        return []
    first = np.full(nonzero.shape[0], nonzero.shape[1])
    np.minimum.at(first, r, c)
    label = _components(nonzero.shape[1], c, first[r])  # every column of a row linked to the row's first column
    used = np.unique(c)
    groups = label[used]
    order = np.argsort(groups, kind="stable")
    return np.split(used[order], np.flatnonzero(np.diff(groups[order])) + 1)


class _Block:
    """One connected block of quantities, cells, lines and targets; hides cells in the shared mask."""

    def __init__(self, model: Model, cells: list[int], lines, targets, hidden: np.ndarray, label):
        self.model, self.cells, self.hidden = model, cells, hidden
        fixed = model.fixed if model.fixed is not None else np.zeros(len(model.carries), bool)
        qs = sorted({q for c in cells for q in model.carries[c]} |
                    {q for row, _ in lines for q in row} | {q for t in targets for q in t[0]})
        self.qs = qs
        col = {q: j for j, q in enumerate(qs)}
        m = len(qs)
        self.truth = model.truth[qs]
        self.label = label[qs]
        self.carries = {c: [col[q] for q in model.carries[c]] for c in cells}
        self.shown_by: list[list[int]] = [[] for _ in range(m)]  # local quantity -> hideable cells carrying it
        self.fixed_q = self.truth == 0  # known whatever happens: zeros, and what a fixed cell carries
        for c in cells:
            for j in self.carries[c]:
                if fixed[c]:
                    self.fixed_q[j] = True
                else:
                    self.shown_by[j].append(c)
        self.count = np.array([sum(not hidden[c] for c in cs) for cs in self.shown_by], dtype=int)
        # A hidden cell's figure is a target unless it is 0 (a zero identifies no child).
        self.main = {c: col[model.main[c]] for c in cells if model.main[c] >= 0 and model.truth[model.main[c]] != 0}
        self.lines = [([col[q] for q in row], col[t] if t >= 0 else -1) for row, t in lines]
        self.matrix = np.zeros((len(lines), m))
        for i, (row, _) in enumerate(lines):
            for q, w in row.items():
                self.matrix[i, col[q]] += w
        self.member = self.matrix != 0
        self.static = np.zeros((len(targets), m))
        for i, (q, w) in enumerate(targets):
            for qq, ww in zip(q, w):
                self.static[i, col[qq]] += ww
        self.single = np.zeros(m, bool)  # quantities that are themselves a static target
        for row in self.static[np.count_nonzero(self.static, axis=1) == 1]:
            self.single[np.flatnonzero(row)[0]] = True

    # -- state ---------------------------------------------------------------------------------------------
    def known(self, hiding: Sequence[int] = ()) -> np.ndarray:
        count = self.count
        if hiding:
            count = count.copy()
            for c in hiding:
                for j in self.carries[c]:
                    count[j] -= 1
        return self.fixed_q | (count > 0)

    def hideable(self, known: np.ndarray) -> np.ndarray:
        """Known now, and hiding the cells that show it would make it unknown."""
        return known & ~self.fixed_q

    def hide(self, j: int) -> None:
        for c in self.shown_by[j]:
            if not self.hidden[c]:
                self.hidden[c] = True
                for jj in self.carries[c]:
                    self.count[jj] -= 1

    def watched(self) -> np.ndarray:
        """Quantities that must stay unknown on their own: each hidden cell's main one, and small ones."""
        w = self.single.copy()
        for c, j in self.main.items():
            if self.hidden[c]:
                w[j] = True
        return w

    # -- algebra -------------------------------------------------------------------------------------------
    def exposed(self, unknown: np.ndarray, static: np.ndarray, single: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which static targets (rows of `static`) and which quantities in `single` follow from what is known: a
        combination follows when its unknown part lies in the row space of the lines and ties over the unknowns.

        The unknowns fall apart into small groups linked by the equations; each group's row space is the span of
        the eigenvectors of AᵀA (as small as the group) with a non-zero eigenvalue. Small matrices one at a time
        also keep the work off BLAS threads, which on a busy machine cost more than they give.
        """
        cols = np.flatnonzero(unknown)
        a = self.matrix[:, cols]
        a = a[np.abs(a).sum(axis=1) > 0]
        reach = np.zeros(len(cols))  # per unknown: its squared norm in the row space (1 when determined)
        rest = np.zeros(len(static))  # per static target: the largest part of it outside the row space
        f_all = static[:, cols]
        for group in _groups(a != 0):
            sub = a[(a[:, group] != 0).any(axis=1)][:, group]
            lam, v = np.linalg.eigh(sub.T @ sub)
            basis = v[:, lam > EPS * max(lam.max(), 1.0)]
            reach[group] = (basis ** 2).sum(axis=1)
            f = f_all[:, group]
            rest = np.maximum(rest, np.abs(f - (f @ basis) @ basis.T).max(axis=1, initial=0.0))
        alone = np.ones(len(cols), bool)  # unknowns in no equation: free, so any target touching them is too
        alone[np.flatnonzero((a != 0).any(axis=0))] = False
        rest = np.maximum(rest, np.abs(f_all[:, alone]).max(axis=1, initial=0.0))
        full = np.zeros(len(unknown))
        full[cols] = reach
        return rest < 1e-7, single & (~unknown | (full > 1 - 1e-7))

    # -- the search ----------------------------------------------------------------------------------------
    def cost(self, j: int, total: bool = False):
        """Cheapest first: a part before a total, a non-zero quantity before a zero (zeros are often known
        anyway, so they protect little), fewer cells hidden, then the smaller number, then a stable label."""
        v = self.truth[j]
        return (total, not v > 0, sum(not self.hidden[c] for c in self.shown_by[j]),
                v if v == v else np.inf, self.label[j])

    def line_rule(self) -> None:
        """Where a line has exactly one unknown quantity that must stay hidden, hide another of its quantities: a
        part before a total, the one that closes the most such lines at once, then the cheapest."""
        while len(self.lines):
            known = self.known()
            unknown = ~known
            lonely = np.flatnonzero((self.member & unknown).sum(axis=1) == 1)
            watched = self.watched()
            lonely = [i for i in lonely if watched[np.flatnonzero(self.member[i] & unknown)[0]]]
            closes: dict[int, int] = {}
            is_total: dict[int, bool] = {}
            for i in lonely:
                members, total = self.lines[i]
                for q in members:
                    if known[q] and not self.fixed_q[q]:
                        closes[q] = closes.get(q, 0) + 1
                        is_total[q] = is_total.get(q, False) or q == total
            if not closes:
                return
            self.hide(min(closes, key=lambda q: (is_total[q], -closes[q], self.cost(q))))

    def solve(self) -> None:
        given_up = np.zeros(len(self.static), bool)
        given_up_single = np.zeros(len(self.qs), bool)
        while True:
            self.line_rule()
            unknown = ~self.known()
            static_out, single_out = self.exposed(unknown, self.static, self.watched())
            static_out &= ~given_up
            single_out &= ~given_up_single
            if static_out.any():
                i = int(np.flatnonzero(static_out)[0])
                if not self.stop(self.static[i]):
                    given_up[i] = True
            elif single_out.any():
                j = int(np.flatnonzero(single_out)[0])
                f = np.zeros(len(self.qs))
                f[j] = 1.0
                if not self.stop(f):
                    given_up_single[j] = True
            else:
                return

    def stop(self, target: np.ndarray) -> bool:
        """Hide the cheapest quantity that makes `target` unknown (the target's own, when another cell still shows
        it, before any other); if no single one does, the cheapest of the target's own or its lines' and let the
        loop go on (each round hides at least one more cell, so it ends). False when nothing shown is left to hide:
        the target then follows from the lines alone (a known total whose parts are all hidden)."""
        support = set(np.flatnonzero(target).tolist())
        near = set(np.flatnonzero(self.member[self.member[:, list(support)].any(axis=1)].any(axis=0)).tolist())
        options = sorted(np.flatnonzero(self.hideable(self.known())).tolist(),
                         key=lambda j: (j not in support, self.cost(j)))
        one = target[None, :]
        nothing = np.zeros(len(self.qs), bool)
        for j in options:
            hiding = [c for c in self.shown_by[j] if not self.hidden[c]]
            static_out, _ = self.exposed(~self.known(hiding), one, nothing)
            if not static_out[0]:
                self.hide(j)
                return True
        fallback = [j for j in options if j in support or j in near]
        if fallback:
            self.hide(fallback[0])
            return True
        return False
