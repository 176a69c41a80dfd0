"""A rolling correlation matrix of instrument returns (numpy), updated off the order path.

The window holds the last `window` return vectors (one return per instrument per sample). An
update adds the newest vector and removes the oldest from running sums — Σr and Σrrᵀ — so it
costs one outer product, O(n²) vectorised, instead of a pass over the window. Running sums drift
in floating point, so `recompute()` rebuilds them from the window exactly (np.corrcoef-equal);
the engine calls it every `recompute_every` updates. An instrument with zero variance in the
window has correlation 0 with the others (and 1 with itself), so it neither hides nor inflates
risk; before `min_samples` the matrix is all ones (every pair fully correlated: the
conservative assumption, fail closed).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from bot4.errors import RiskError

__all__ = ["RollingCorrelation"]

Vector = npt.NDArray[np.float64]


class RollingCorrelation:
    """Correlation of `n` return series over the last `window` samples."""

    def __init__(self, n: int, window: int, min_samples: int = 2) -> None:
        if n < 1 or window < 2 or not 2 <= min_samples <= window:
            raise RiskError(f"need n >= 1, window >= 2, 2 <= min_samples <= window: {n} {window}")
        self.n = n
        self.window = window
        self.min_samples = min_samples
        # Ring of the last `window` return vectors; row `_head` is the next to overwrite.
        self._ring: Vector = np.zeros((window, n))
        self._head = 0
        # Samples in the ring (<= window).
        self.count = 0
        # Running Σr (n) and Σrrᵀ (n×n) over the ring's rows.
        self._sum: Vector = np.zeros(n)
        self._cross: Vector = np.zeros((n, n))
        # The current correlation matrix; all ones until `min_samples`.
        self.matrix: Vector = np.ones((n, n))

    def update(self, returns: Vector) -> Vector:
        """Add one return vector (length n), drop the oldest beyond the window; O(n²)."""
        r = np.asarray(returns, dtype=np.float64)
        if r.shape != (self.n,):
            raise RiskError(f"expected {self.n} returns, got shape {r.shape}")
        if self.count == self.window:
            old = self._ring[self._head]
            self._sum -= old
            self._cross -= np.outer(old, old)
        else:
            self.count += 1
        self._ring[self._head] = r
        self._head = (self._head + 1) % self.window
        self._sum += r
        self._cross += np.outer(r, r)
        self._refresh()
        return self.matrix

    def recompute(self) -> Vector:
        """Rebuild the running sums from the window (removes drift); same result as corrcoef."""
        rows = self._ring if self.count == self.window else self._ring[: self.count]
        self._sum = rows.sum(axis=0)
        self._cross = rows.T @ rows
        self._refresh()
        return self.matrix

    def samples(self) -> Vector:
        """The window's return vectors, oldest first (count × n), for checks and reports."""
        if self.count < self.window:
            return self._ring[: self.count].copy()
        return np.roll(self._ring, -self._head, axis=0)

    def _refresh(self) -> None:
        k = self.count
        if k < self.min_samples:
            self.matrix = np.ones((self.n, self.n))
            return
        mean = self._sum / k
        cov = self._cross / k - np.outer(mean, mean)
        var = np.clip(np.diag(cov).copy(), 0.0, None)
        std = np.sqrt(var)
        # A series that does not move (std ~ 0 relative to its scale) gets correlation 0.
        flat = std <= 1e-12 * (np.abs(mean) + 1e-300)
        flat |= var == 0.0
        std[flat] = 1.0
        corr = cov / np.outer(std, std)
        corr[flat, :] = 0.0
        corr[:, flat] = 0.0
        np.clip(corr, -1.0, 1.0, out=corr)
        np.fill_diagonal(corr, 1.0)
        self.matrix = corr
