"""Huber's robust regression on groups and a few features, fast for thousands of people and
hundreds of teams: statsmodels' ``RLM`` (``HuberT`` norm, ``HuberScale``: Huber's proposal 2,
``H1`` covariance) computed the same way, step for step, but with each weighted least-squares step
solved through the structure of the model instead of a pseudo-inverse of the whole design.

Why not ``RLM`` itself: its every step takes the pseudo-inverse of the n × p design; with one
column per team (300 teams of 5,000 people) that is about a second per step and fifteen steps per
KPI. A model of one 0/1 column per group and a few dense columns ``Z`` has normal equations with
a diagonal block (each group's weight), so each step costs a few sums per group and a k × k solve
(k dense columns): milliseconds. ``tests/test_expected.py`` checks the fit against ``RLM``.

The model: ``y = Z·γ + α[group]`` (``group`` −1: no group effect, the reference), the IRLS of
``RLM.fit(scale_est=HuberScale(), conv="coefs")``: least squares first, then, until no number of
the model moves by more than ``tol``, weights ``w = HuberT.weights(e / scale)``, the weighted
least-squares fit with them, and the scale of its residuals.

With ``d`` each group's Σw, ``C`` (groups × k) each group's Σ w·z, ``S = ZᵀWZ − Cᵀ D⁻¹ C``:
``γ = S⁻¹(ZᵀWy − Cᵀ D⁻¹ b)`` with ``b`` each group's Σ w·y, ``α = (b − Cγ) / d``, and each row's
leverage ``xᵢᵀ(XᵀWX)⁻¹xᵢ = 1/d[g] + (zᵢ − C[g]/d[g])ᵀ S⁻¹ (zᵢ − C[g]/d[g])`` (``zᵢᵀS⁻¹zᵢ`` for a
row of the reference).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from statsmodels.robust.norms import HuberT
from statsmodels.robust.scale import HuberScale

MAX_STEPS = 50  # RLM's default


@dataclass(frozen=True)
class GroupedDesign:
    """A model's columns: ``group`` (n,) the index of each row's group effect (−1: none) among
    ``n_groups``, and ``dense`` (n × k) the other columns (a constant among them)."""

    group: np.ndarray
    n_groups: int
    dense: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.group), self.n_groups + self.dense.shape[1]

    def to_dense(self) -> np.ndarray:
        """The whole design as one matrix: the first dense column, the group columns, the rest
        (the order of :attr:`HuberFit.params`)."""
        groups = np.zeros((len(self.group), self.n_groups))
        rows = self.group >= 0
        groups[np.flatnonzero(rows), self.group[rows]] = 1.0
        return np.column_stack([self.dense[:, :1], groups, self.dense[:, 1:]])


@dataclass(frozen=True)
class WeightedFit:
    """One weighted least-squares fit: ``params`` (the :meth:`GroupedDesign.to_dense` order),
    ``resid``, each row's ``leverage`` ``xᵢᵀ(XᵀWX)⁻¹xᵢ`` and the diagonal of ``(XᵀWX)⁻¹``."""

    params: np.ndarray
    resid: np.ndarray
    leverage: np.ndarray
    inverse_diagonal: np.ndarray


def weighted_fit(design: GroupedDesign, y: np.ndarray, w: np.ndarray) -> WeightedFit:
    """The weighted least-squares fit of ``y`` on ``design`` with weights ``w`` (module docstring)."""
    z, g = design.dense, design.n_groups
    rows = design.group >= 0
    at = np.where(rows, design.group, 0)  # each row's group (0 for the reference's, masked below)
    d = np.bincount(at[rows], w[rows], g)
    c = np.zeros((g, z.shape[1]))
    for j in range(z.shape[1]):
        c[:, j] = np.bincount(at[rows], (w * z[:, j])[rows], g)
    b = np.bincount(at[rows], (w * y)[rows], g)
    zw = z * w[:, None]
    s_inv = np.linalg.inv(zw.T @ z - c.T @ (c / d[:, None]))
    gamma = s_inv @ (zw.T @ y - c.T @ (b / d))
    alpha = (b - c @ gamma) / d
    mean_z = c / d[:, None]
    centred = z - np.where(rows[:, None], mean_z[at], 0.0) if g else z
    own = np.where(rows, 1.0 / d[at], 0.0) if g else 0.0
    fitted = z @ gamma + (np.where(rows, alpha[at], 0.0) if g else 0.0)
    leverage = np.einsum("ij,jk,ik->i", centred, s_inv, centred) + own
    group_diagonal = 1.0 / d + np.einsum("ij,jk,ik->i", mean_z, s_inv, mean_z)
    dense_diagonal = np.diag(s_inv)
    return WeightedFit(
        params=np.concatenate([gamma[:1], alpha, gamma[1:]]),
        resid=y - fitted,
        leverage=leverage,
        inverse_diagonal=np.concatenate([dense_diagonal[:1], group_diagonal, dense_diagonal[1:]]),
    )


@dataclass(frozen=True)
class HuberFit:
    """The robust fit: ``params`` and ``bse`` (``RLM``'s H1 standard errors) in the
    :meth:`GroupedDesign.to_dense` order, the final ``weights``, ``scale``, and the last weighted
    fit (``weighted``: its residuals and leverages, with those weights)."""

    params: np.ndarray
    bse: np.ndarray
    weights: np.ndarray
    scale: float
    weighted: WeightedFit


def huber_fit(design: GroupedDesign, y: np.ndarray, t: float, tol: float) -> HuberFit | None:
    """``RLM(y, design.to_dense(), M=HuberT(t)).fit(scale_est=HuberScale(), conv="coefs",
    tol=tol)`` (module docstring); None where the scale comes out 0 or not a number (a perfect
    fit: nothing to say about spread)."""
    norm, scale_of = HuberT(t), HuberScale()
    n, p = design.shape
    weights = np.ones(n)
    fit = weighted_fit(design, y, weights)
    scale = float(scale_of(n - p, n, fit.resid))
    previous = np.full(p, np.inf)
    for _ in range(MAX_STEPS):
        if not (np.isfinite(scale) and scale > 0):
            return None
        weights = norm.weights(fit.resid / scale)
        fit = weighted_fit(design, y, weights)
        scale = float(scale_of(n - p, n, fit.resid))
        if np.all(np.abs(fit.params - previous) <= tol):
            break
        previous = fit.params
    if not (np.isfinite(scale) and scale > 0):
        return None
    return HuberFit(fit.params, h1_bse(design, fit.resid / scale, scale, norm), weights, scale, fit)


def h1_bse(design: GroupedDesign, sresid: np.ndarray, scale: float, norm: HuberT) -> np.ndarray:
    """``RLMResults.bse`` with ``cov="H1"``: ``√diag(K² · Σψ² · scale² / (n − p) / m² · (XᵀX)⁻¹)``,
    ``ψ`` and ``m`` (the mean of ψ′) of the standardised residuals ``sresid``, ``K = 1 + p/n ·
    var(ψ′) / m²``."""
    n, p = design.shape
    slope = norm.psi_deriv(sresid)
    m = np.mean(slope)
    k = 1 + p / n * np.var(slope) / m**2
    factor = k**2 * np.sum(norm.psi(sresid) ** 2) * scale**2 / (n - p) / m**2
    unweighted = weighted_fit(design, np.zeros(n), np.ones(n))
    return np.sqrt(factor * unweighted.inverse_diagonal)
