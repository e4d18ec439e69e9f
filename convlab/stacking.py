"""Stacking small kernels: the one kernel that equals a linear cascade of convolutions
(no padding, stride 1, no nonlinearity between them), kernels with their dilation gaps
filled in, and the closest cascade of two small kernels to a given larger one."""

import numpy as np
from numpy.typing import ArrayLike

from convlab.checks import Size, check_elements, non_negative_int, number_array, positive_int, positive_pair

__all__ = ["compose", "dilate", "closest_cascade"]

MAX_K, MAX_RESTARTS, MAX_ITERATIONS = 16, 1000, 10_000  # so that no call runs for hours


def _as_4d(weight, name):
    """`weight` as a float (out, in, kh, kw) array, checked: real numbers, 2-D or 4-D, no empty axis."""
    weight = number_array(weight, name, kinds="iuf").astype(float)
    if weight.ndim == 2:
        weight = weight[None, None]
    elif weight.ndim != 4:
        raise ValueError(f"{name} must be 2-D (kh, kw) or 4-D (out, in, kh, kw), got shape {weight.shape}")
    if 0 in weight.shape:
        raise ValueError(f"{name} must have no empty axis (PyTorch refuses empty kernels), got shape {weight.shape}")
    return weight


def dilate(weight: ArrayLike, dilation: Size) -> np.ndarray:
    """The kernel with dilation − 1 zeros between its taps.

    A dilated convolution is an ordinary one with this bigger kernel.

    Parameters
    ----------
    weight : array_like
        A 2-D (kh, kw) kernel or 4-D (out, in, kh, kw) weight of real numbers.
    dilation : int or (int, int)
        Spacing between taps, per axis; at least 1 (1 returns the kernel as floats).

    Returns
    -------
    numpy.ndarray
        Float64, of the same number of axes as `weight`, with each kernel
        (dh·(kh − 1) + 1) × (dw·(kw − 1) + 1).

    Raises
    ------
    TypeError
        A `weight` that is not real numbers, or a `dilation` that is not an int or a pair
        of ints (also a ValueError).
    ValueError
        A `weight` that is not 2-D or 4-D or has an empty axis, or a `dilation` below 1.

    Examples
    --------
    >>> dilate([[1, 2], [3, 4]], 2)
    array([[1., 0., 2.],
           [0., 0., 0.],
           [3., 0., 4.]])
    >>> dilate(np.ones((8, 4, 3, 3)), (1, 3)).shape
    (8, 4, 3, 7)
    """
    w = _as_4d(weight, "weight")
    dh, dw = positive_pair(dilation, "dilation")
    out, inp, kh, kw = w.shape
    check_elements(out * inp * (dh * (kh - 1) + 1) * (dw * (kw - 1) + 1),
                   f"a weight of shape {np.shape(weight)} dilated by dilation={dilation!r}")
    holey = np.zeros((out, inp, dh * (kh - 1) + 1, dw * (kw - 1) + 1))
    holey[:, :, ::dh, ::dw] = w
    return holey if np.ndim(weight) == 4 else holey[0, 0]


def compose(*weights: ArrayLike) -> np.ndarray:
    """The weight of the single convolution equal to applying `weights` one after the other.

    Exact for stride 1 and no padding (with padding the borders differ)::

        W[o, c] = Σ_m  W₁[m, c] ⊛ W₂[o, m]      (⊛: full 2-D convolution of the kernels)

    because sliding W₁ and then W₂ reads the input at every sum of a tap of W₁ and a tap
    of W₂.

    Parameters
    ----------
    *weights : array_like
        At least one weight, each (out, in, kh, kw) with the `in` of one equal to the
        `out` of the one before, or a 2-D (kh, kw) kernel for one channel in and out.

    Returns
    -------
    numpy.ndarray
        Float64 (last out, first in, Σ(kh − 1) + 1, Σ(kw − 1) + 1); 2-D when every
        weight was 2-D.

    Raises
    ------
    TypeError
        A weight that is not real numbers (also a ValueError).
    ValueError
        No weights, a weight that is not 2-D or 4-D or has an empty axis, or channels
        that do not chain.

    Examples
    --------
    >>> compose([[1, 1]], [[1, 1]])  # two 1×2 box filters: one 1×3 filter
    array([[1., 2., 1.]])
    >>> compose(np.ones((4, 3, 3, 3)), np.ones((2, 4, 3, 3))).shape
    (2, 3, 5, 5)
    """
    if not weights:
        raise ValueError("compose needs at least one weight")
    result = _as_4d(weights[0], "weights[0]")
    for i, weight in enumerate(weights[1:], start=1):
        weight = _as_4d(weight, f"weights[{i}]")
        if weight.shape[1] != result.shape[0]:
            raise ValueError(f"the channels do not chain: weights[{i}] has {weight.shape[1]} input channels after one "
                             f"with {result.shape[0]} output channels")
        out, _, kh, kw = weight.shape
        h, w = result.shape[2] + kh - 1, result.shape[3] + kw - 1
        combined = np.zeros((out, result.shape[1], h, w))
        for u in range(kh):
            for v in range(kw):  # tap (u, v) of the second kernel shifts the whole first kernel by (u, v)
                combined[:, :, u: u + result.shape[2], v: v + result.shape[3]] += np.einsum(
                    "om,mchw->ochw", weight[:, :, u, v], result)
        result = combined
    return result[0, 0] if all(np.ndim(w) == 2 for w in weights) else result


def _full_conv_matrix(kernel, k):
    """The matrix M with M @ other.ravel() == compose(kernel, other).ravel() for a k×k
    `other`: column (i, j) is `kernel` shifted by (i, j)."""
    kh, kw = kernel.shape
    m = np.zeros((kh + k - 1, kw + k - 1, k, k))
    for i in range(k):
        for j in range(k):
            m[i: i + kh, j: j + kw, i, j] = kernel
    return m.reshape(-1, k * k)


def _target(target, k):
    """The target as a float array of shape (2k − 1, 2k − 1), finite and not all zero."""
    target = number_array(target, "target", kinds="iuf").astype(float)
    if target.shape != (2 * k - 1, 2 * k - 1):
        raise ValueError(f"target must be {2 * k - 1}×{2 * k - 1} for two k×k kernels with k={k}, got shape "
                         f"{target.shape}")
    if not np.isfinite(target).all():
        raise ValueError("target must hold finite numbers (no NaN or infinity)")
    if not target.any():
        raise ValueError("target must not be all zeros (the relative error ‖error‖ / ‖target‖ would be 0 / 0)")
    return target


def _seed(seed):
    if seed is None:
        return None
    return non_negative_int(seed, "seed")


def _at_most(value, name, most, why):
    if value > most:
        raise ValueError(f"{name} must be at most {most} ({why}), got {value}")
    return value


def _exponent(target):
    """0 for ordinary targets; for tiny or huge ones the power of two near their largest value (to scale by exactly)."""
    exponent = int(np.frexp(np.abs(target).max())[1])
    return 0 if abs(exponent) < 500 else exponent


def closest_cascade(target: ArrayLike, k: int = 3, restarts: int = 8, iterations: int = 100,
                    seed: int | None = 0) -> tuple[np.ndarray, np.ndarray, float]:
    """Two k×k kernels whose cascade is as close as possible to a (2k − 1)×(2k − 1) target.

    Least squares over the 2k² numbers of the pair, by Levenberg–Marquardt steps (the
    cascade is linear in each kernel when the other is fixed, so the Jacobian is made of
    two shifted-kernel matrices), from `restarts` random starts; the best pair is kept.

    Parameters
    ----------
    target : array_like of shape (2k − 1, 2k − 1)
        Real, finite numbers, not all zero.
    k : int, default 3
        Size of each of the two kernels; 1 to 16.
    restarts : int, default 8
        Random starting pairs; 1 to 1000.
    iterations : int, default 100
        Most Levenberg–Marquardt steps per start; 0 (keep the best random start) to 10 000.
    seed : int or None, default 0
        Seed of the random starts (a non-negative int), or None for fresh randomness.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, float)
        The first and second k×k kernels and the relative error
        ‖compose(first, second) − target‖ / ‖target‖.

    Raises
    ------
    TypeError
        A parameter of the wrong type (also a ValueError).
    ValueError
        A `target` of the wrong shape, with NaN or infinity, or all zeros, or a count out
        of range.

    Examples
    --------
    >>> a, b = np.array([[1, 2, 1]] * 3), np.array([[1, 0, -1]] * 3)
    >>> first, second, error = closest_cascade(compose(a, b))
    >>> first.shape, bool(error < 1e-8)
    ((3, 3), True)
    >>> bool(np.allclose(compose(first, second), compose(a, b)))
    True
    """
    k = _at_most(positive_int(k, "k"), "k", MAX_K, "the least-squares system has 2k² unknowns")
    target = _target(target, k)
    restarts = _at_most(positive_int(restarts, "restarts"), "restarts", MAX_RESTARTS, "each is a full fit")
    iterations = _at_most(non_negative_int(iterations, "iterations"), "iterations", MAX_ITERATIONS,
                          "the fit has converged long before")
    exponent = _exponent(target)  # fit target / 2**exponent (near 1), then share 2**exponent between the kernels
    rng, flat, best = np.random.default_rng(_seed(seed)), np.ldexp(target, -exponent).ravel(), None
    for _ in range(restarts):
        pair, damping = rng.standard_normal(2 * k * k), 1e-3
        residual = compose(pair[: k * k].reshape(k, k), pair[k * k:].reshape(k, k)).ravel() - flat
        for _ in range(iterations):
            first, second = pair[: k * k].reshape(k, k), pair[k * k:].reshape(k, k)
            jacobian = np.hstack([_full_conv_matrix(second, k), _full_conv_matrix(first, k)])  # ⊛ commutes
            step = np.linalg.solve(jacobian.T @ jacobian + damping * np.eye(2 * k * k), -jacobian.T @ residual)
            candidate = pair + step
            new = compose(candidate[: k * k].reshape(k, k), candidate[k * k:].reshape(k, k)).ravel() - flat
            if new @ new < residual @ residual:  # accept, and trust the linear model more
                pair, residual, damping = candidate, new, max(damping / 3, 1e-9)  # (the scale of a pair is free)
            else:  # reject, and take shorter steps (capped: past 4**500 it would overflow)
                damping = min(damping * 4, 1e100)
            if residual @ residual < 1e-26 * (flat @ flat):
                break
        error = float(np.linalg.norm(residual) / np.linalg.norm(flat))
        if best is None or error < best[2]:
            best = (np.ldexp(pair[: k * k].reshape(k, k), exponent // 2),
                    np.ldexp(pair[k * k:].reshape(k, k), exponent - exponent // 2), error)
    return best
