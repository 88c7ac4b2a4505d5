"""The ADBench Gaussian mixture objective, written in plain NumPy, and its hand-written gradient.

K components in D dimensions fit N points x. The parameters, as in ADBench:

- ``alphas`` (K,): unnormalised log mixture weights;
- ``means`` (K, D);
- ``icf`` (K, D + D(D-1)/2): inverse covariance factors, per component first the D
  logarithms of the diagonal of the lower-triangular factor Q, then its D(D-1)/2
  entries below the diagonal, column by column.

    log p = sum_n logsumexp_k (alpha_k + sum(log diag Q_k) - |Q_k (x_n - mu_k)|^2 / 2)
            - N logsumexp(alpha) - N D log(2 pi) / 2 + log Wishart prior(Q; gamma, m)

``gmm_objective`` is the formulation a symdiff user writes: the factor built by writing
its entries into a zero array, ``Q_k (x - mu)`` as a batched matrix product. The
multivariate log-gamma term of the Wishart normaliser, a constant, is left out: symdiff
does not support ``math.lgamma`` (nor ``scipy.special``), and the term has no gradient.
``gmm_objective_functional`` builds the factor without writing into an array (autograd
and JAX cannot differentiate item assignment); the arithmetic is otherwise the same.
"""
import math

import numpy as np


def gmm_objective(alphas, means, icf, x, wishart_gamma, wishart_m):
    d = x.shape[1]
    k = alphas.shape[0]
    Ls = np.zeros((k, d, d))
    pos = d
    for j in range(d):
        for i in range(j + 1, d):
            Ls[:, i, j] = icf[:, pos]
            pos += 1
    return log_likelihood(alphas, means, icf, x, Ls, wishart_gamma, wishart_m)


def gmm_objective_functional(alphas, means, icf, x, wishart_gamma, wishart_m):
    return log_likelihood(alphas, means, icf, x, lower_factor(icf, x.shape[1]),
                          wishart_gamma, wishart_m)


def lower_factor(icf, d):
    """The strictly lower part of each factor, column by column, without item assignment."""
    k = icf.shape[0]
    columns = []
    pos = d
    for j in range(d):
        below = d - j - 1
        columns.append(np.concatenate([np.zeros((k, j + 1)), icf[:, pos:pos + below]], axis=1))
        pos += below
    return np.stack(columns, axis=2)


def log_likelihood(alphas, means, icf, x, Ls, wishart_gamma, wishart_m):
    """The objective, given the strictly lower part Ls of the factors."""
    n, d = x.shape
    k = alphas.shape[0]
    Qdiags = np.exp(icf[:, :d])
    sum_qs = np.sum(icf[:, :d], axis=1)
    xcentered = x[:, None, :] - means[None, :, :]
    Lxcentered = Qdiags * xcentered + (Ls @ xcentered[:, :, :, None])[:, :, :, 0]
    sqsum = np.sum(Lxcentered ** 2, axis=2)
    inner = alphas + sum_qs - 0.5 * sqsum
    mx = np.max(inner, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(inner - mx), axis=1)) + mx[:, 0]
    amax = np.max(alphas)
    lse_alphas = np.log(np.sum(np.exp(alphas - amax))) + amax
    const = -n * d * 0.5 * math.log(2 * math.pi)
    frobenius = np.sum(Qdiags ** 2, axis=1) + np.sum(icf[:, d:] ** 2, axis=1)
    prior = np.sum(0.5 * wishart_gamma ** 2 * frobenius - wishart_m * sum_qs)
    nw = d + wishart_m + 1
    prior_const = nw * d * (math.log(wishart_gamma) - 0.5 * math.log(2))
    return const + np.sum(lse) - n * lse_alphas + prior - k * prior_const


def gmm_objective_torch(alphas, means, icf, x, wishart_gamma, wishart_m):
    """gmm_objective transcribed to PyTorch, operation for operation."""
    import torch
    n, d = x.shape
    k = alphas.shape[0]
    Qdiags = torch.exp(icf[:, :d])
    sum_qs = torch.sum(icf[:, :d], dim=1)
    Ls = torch.zeros((k, d, d), dtype=icf.dtype)
    pos = d
    for j in range(d):
        for i in range(j + 1, d):
            Ls[:, i, j] = icf[:, pos]
            pos += 1
    xcentered = x[:, None, :] - means[None, :, :]
    Lxcentered = Qdiags * xcentered + (Ls @ xcentered[:, :, :, None])[:, :, :, 0]
    sqsum = torch.sum(Lxcentered ** 2, dim=2)
    inner = alphas + sum_qs - 0.5 * sqsum
    mx = torch.max(inner, dim=1, keepdim=True).values
    lse = torch.log(torch.sum(torch.exp(inner - mx), dim=1)) + mx[:, 0]
    amax = torch.max(alphas)
    lse_alphas = torch.log(torch.sum(torch.exp(alphas - amax))) + amax
    const = -n * d * 0.5 * math.log(2 * math.pi)
    frobenius = torch.sum(Qdiags ** 2, dim=1) + torch.sum(icf[:, d:] ** 2, dim=1)
    prior = torch.sum(0.5 * wishart_gamma ** 2 * frobenius - wishart_m * sum_qs)
    nw = d + wishart_m + 1
    prior_const = nw * d * (math.log(wishart_gamma) - 0.5 * math.log(2))
    return const + torch.sum(lse) - n * lse_alphas + prior - k * prior_const


def gmm_gradient_hand(alphas, means, icf, x, wishart_gamma, wishart_m):
    """d log p / d (alphas, means, icf), derived by hand.

    With M_k = diag(Q_k) + L_k, z_nk = M_k (x_n - mu_k) and P the softmax over k of the
    inner terms: d/dz_nk = -P_nk z_nk, so d/dM_k = -sum_n P_nk z_nk (x_n - mu_k)^T and
    d/dmu_k = sum_n P_nk M_k^T z_nk; the diagonal of d/dM_k reaches icf through
    Q = exp(log Q), the entries below it directly.
    """
    n, d = x.shape
    k = alphas.shape[0]
    logq = icf[:, :d]
    Q = np.exp(logq)
    rows, cols = lower_indices(d)
    M = np.zeros((k, d, d))
    M[:, rows, cols] = icf[:, d:]
    M[:, np.arange(d), np.arange(d)] = Q
    xc = x[:, None, :] - means[None, :, :]                       # (n, k, d)
    z = np.einsum("kij,nkj->nki", M, xc)
    inner = alphas + np.sum(logq, axis=1) - 0.5 * np.sum(z * z, axis=2)
    P = np.exp(inner - np.max(inner, axis=1, keepdims=True))
    P /= np.sum(P, axis=1, keepdims=True)                         # (n, k)
    weight = np.exp(alphas - np.max(alphas))
    Pk = np.sum(P, axis=0)
    d_alphas = Pk - n * weight / np.sum(weight)
    Pz = P[:, :, None] * z
    d_means = np.einsum("kji,nkj->ki", M, Pz)
    dM = -np.einsum("nki,nkj->kij", Pz, xc)
    d_icf = np.empty_like(icf)
    d_icf[:, :d] = ((dM[:, np.arange(d), np.arange(d)] + wishart_gamma ** 2 * Q) * Q
                    + (Pk - wishart_m)[:, None])
    d_icf[:, d:] = dM[:, rows, cols] + wishart_gamma ** 2 * icf[:, d:]
    return d_alphas, d_means, d_icf


def lower_indices(d):
    """Row and column of each entry below the diagonal, in icf's column-by-column order."""
    cols, rows = np.triu_indices(d, 1)
    return rows, cols


def gmm_inputs(rng, K=5, D=8, N=200):
    alphas = rng.standard_normal(K)
    means = rng.random((K, D))
    icf = 0.5 * rng.standard_normal((K, D + D * (D - 1) // 2))
    x = rng.random((N, D))
    return alphas, means, icf, x, 1.0, 0
