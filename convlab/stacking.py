"""Stacking small kernels: the one kernel that equals a linear cascade of convolutions
(no padding, stride 1, no nonlinearity between them), kernels with their dilation gaps
filled in, and the closest cascade of two small kernels to a given larger one."""

import numpy as np

__all__ = ["compose", "dilate", "closest_cascade"]


def _as_4d(weight):
    weight = np.asarray(weight, dtype=float)
    if weight.ndim == 2:
        return weight[None, None]
    if weight.ndim != 4:
        raise ValueError(f"a weight must be 2-D (kh, kw) or 4-D (out, in, kh, kw), got shape {weight.shape}")
    return weight


def dilate(weight, dilation):
    """The kernel with dilation − 1 zeros between its taps: a dilated convolution is an
    ordinary one with this bigger kernel. 2-D or 4-D weights."""
    w = _as_4d(weight)
    out, inp, kh, kw = w.shape
    holey = np.zeros((out, inp, dilation * (kh - 1) + 1, dilation * (kw - 1) + 1))
    holey[:, :, ::dilation, ::dilation] = w
    return holey if np.ndim(weight) == 4 else holey[0, 0]


def compose(*weights):
    """The weight of the single convolution equal to applying `weights` one after the
    other. Each is (out, in, kh, kw), the in of one matching the out of the one before, or
    2-D for one channel. The result is (last out, first in, Σ(k − 1) + 1, …):

        W[o, c] = Σ_m  W₁[m, c] ⊛ W₂[o, m]      (⊛: full 2-D convolution of the kernels)

    because sliding W₁ and then W₂ reads the input at every sum of a tap of W₁ and a tap
    of W₂. Exact for stride 1 and no padding (with padding the borders differ)."""
    if not weights:
        raise ValueError("compose needs at least one weight")
    result = _as_4d(weights[0])
    for weight in map(_as_4d, weights[1:]):
        if weight.shape[1] != result.shape[0]:
            raise ValueError(f"the channels do not chain: a weight with {weight.shape[1]} input channels after one "
                             f"with {result.shape[0]} output channels")
        out, _, kh, kw = weight.shape
        h, w = result.shape[2] + kh - 1, result.shape[3] + kw - 1
        combined = np.zeros((out, result.shape[1], h, w))
        for u in range(kh):
            for v in range(kw):  # tap (u, v) of the second kernel shifts the whole first kernel by (u, v)
                combined[:, :, u: u + result.shape[2], v: v + result.shape[3]] += np.einsum(
                    "om,mchw->ochw", weight[:, :, u, v], result)
        result = combined
    return result if all(np.ndim(w) == 4 for w in weights) else result[0, 0]


def _full_conv_matrix(kernel, k):
    """The matrix M with M @ other.ravel() == compose(kernel, other).ravel() for a k×k
    `other`: column (i, j) is `kernel` shifted by (i, j)."""
    kh, kw = kernel.shape
    m = np.zeros((kh + k - 1, kw + k - 1, k, k))
    for i in range(k):
        for j in range(k):
            m[i: i + kh, j: j + kw, i, j] = kernel
    return m.reshape(-1, k * k)


def closest_cascade(target, k=3, restarts=8, iterations=100, seed=0):
    """Two k×k kernels whose cascade is as close as possible to the (2k − 1)×(2k − 1)
    `target`: least squares over the 2k² numbers of the pair, by Levenberg–Marquardt steps
    (the cascade is linear in each kernel when the other is fixed, so the Jacobian is the
    two matrices of `_full_conv_matrix`) from several random starts. Returns (first,
    second, relative error ‖compose(first, second) − target‖ / ‖target‖)."""
    target = np.asarray(target, dtype=float)
    if target.shape != (2 * k - 1, 2 * k - 1):
        raise ValueError(f"target must be {2 * k - 1}×{2 * k - 1} for two {k}×{k} kernels, got shape {target.shape}")
    rng, flat, best = np.random.default_rng(seed), target.ravel(), None
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
            else:
                damping *= 4
            if residual @ residual < 1e-26 * (flat @ flat):
                break
        error = np.linalg.norm(residual) / np.linalg.norm(flat)
        if best is None or error < best[2]:
            best = (pair[: k * k].reshape(k, k), pair[k * k:].reshape(k, k), error)
    return best
