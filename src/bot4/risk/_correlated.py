"""The correlated-exposure state: weights w, Cw and Q = wᵀCw, kept so a check needs no numpy.

Limit: sqrt(wᵀCw) <= max_correlated_exposure, w the signed position values (account currency)
and C the rolling correlation matrix. Chosen over "sum the exposure of instruments correlated
above a threshold" because it is continuous (no cliff when a correlation crosses it), uses the
whole matrix (hedges offset), and reduces to |net| when everything is perfectly correlated and
to an L2 norm when nothing is. Cw and Q follow fills (O(n), numpy) and matrix updates (C@w), so
one order's effect is Q + 2δ(Cw)ᵢ + δ²Cᵢᵢ: three float multiplies on the order path.

This module imports numpy; the engine imports it only once the limit is configured.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from bot4.risk._slot import Slot
from bot4.risk.correlation import RollingCorrelation

__all__ = ["CorrelatedExposure"]


class CorrelatedExposure:
    """w, Cw, Q over the engine's instruments (in slot index order) and the matrix behind C."""

    def __init__(self, slots: list[Slot], window: int, min_samples: int) -> None:
        n = max(len(slots), 1)
        self._by_idx = slots
        self.matrix = RollingCorrelation(n, window, min_samples)
        self.max_sq = math.inf  # limit² (account ccy²), with a 1e-9 relative tolerance
        self.recompute_every = 100  # matrix updates between exact recomputes
        self._updates = 0
        self._last_marks = [s.ref for s in slots]  # reference prices at the last sample
        # weights at the current marks, as `update` sets them
        self._w: npt.NDArray[np.float64] = np.zeros(n)
        for s in slots:
            self._w[s.idx] = s.pos * s.ref * s.fscale
        self._cw_vec: npt.NDArray[np.float64] = np.zeros(n)
        self.cw2: list[float] = []  # 2·Cw as floats (doubling is exact: 2.0 * x bits later)
        self.q = 0.0  # wᵀCw
        self._refresh_cw()

    def set_limit(self, limit: float | None) -> None:
        """A new limit (None = off: the check always passes, the state keeps following)."""
        # floats (analytics): a 1e-9 relative tolerance keeps "exactly at the limit" accepted
        self.max_sq = math.inf if limit is None else limit**2 * (1 + 1e-9)

    def resize_window(self, window: int, min_samples: int) -> None:
        """A new window: the matrix starts over (all ones until `min_samples`)."""
        self.matrix = RollingCorrelation(len(self._w), window, min_samples)
        self._refresh_cw()

    def move(self, s: Slot, signed: int, price: int) -> None:
        """A position moved by `signed` at `price`: Q += 2d(Cw)ⱼ + d²Cⱼⱼ, then Cw += d·C[:, j]."""
        d = signed * price * s.fscale
        if d:
            j = s.idx
            c = self.matrix.matrix
            self.q += 2.0 * d * float(self._cw_vec[j]) + d * d * float(c[j, j])
            self._cw_vec += d * c[:, j]
            self._w[j] += d
            self.cw2 = (2.0 * self._cw_vec).tolist()

    def update(self) -> None:
        """Sample every instrument's reference price, add the log returns to the window, and
        refresh Cw and Q. An instrument without two prices contributes a return of 0."""
        marks = [s.ref for s in self._by_idx]
        r = np.zeros(len(self._w))
        for i, (a, b) in enumerate(zip(self._last_marks, marks, strict=True)):
            if a and b:
                r[i] = math.log(b / a)
        self._last_marks = marks
        self._updates += 1
        self.matrix.update(r)
        if self._updates % self.recompute_every == 0:
            self.matrix.recompute()
        for s in self._by_idx:  # weights at the current marks
            self._w[s.idx] = s.pos * (s.ref or 0) * s.fscale
        self._refresh_cw()

    def _refresh_cw(self) -> None:
        self._cw_vec = self.matrix.matrix @ self._w
        self.q = float(self._w @ self._cw_vec)
        self.cw2 = (2.0 * self._cw_vec).tolist()

    def exposure(self) -> float:
        """sqrt(wᵀCw) now, account currency."""
        return math.sqrt(max(self.q, 0.0))
