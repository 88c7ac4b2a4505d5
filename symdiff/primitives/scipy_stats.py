"""scipy.stats densities written with elementwise functions (no rules of their own: SymPy
differentiates them in the argument, ``loc``, ``scale`` and the shape parameters):

    norm.logpdf(x, loc, scale)      -z**2/2 - log(scale) - log(2 pi)/2,  z = (x - loc)/scale
    norm.cdf / logcdf / sf / logsf  ndtr(z), log_ndtr(z), ndtr(-z), log_ndtr(-z)
    norm.ppf(q, loc, scale)         loc + scale ndtri(q)
    cauchy.logpdf(x, loc, scale)    -log(pi scale (1 + z**2));  cdf 1/2 + atan(z)/pi
    logistic.logpdf(x, loc, scale)  log_expit(z) + log_expit(-z) - log(scale);  cdf expit(z)
    laplace.logpdf(x, loc, scale)   -|z| - log(2 scale)
    lognorm.logpdf(x, s, loc, scale)  -log(s z sqrt(2 pi)) - log(z)**2/(2 s**2) - log(scale);
                                    cdf ndtr(log(z)/s)
    chi2.logpdf(x, df, loc, scale)  (df/2 - 1) log z - z/2 - df/2 log 2 - gammaln(df/2) - log(scale)
    invgamma.logpdf(x, a, loc, scale)  -(a + 1) log z - 1/z - gammaln(a) - log(scale)
    t.logpdf(x, df, loc, scale)     gammaln((df+1)/2) - gammaln(df/2) - log(pi df)/2
                                    - log(scale) - (df+1)/2 log1p(z**2/df)
    gamma.logpdf(x, a, loc, scale)  (a-1) log z - z - gammaln(a) - log(scale)
    beta.logpdf(x, a, b, loc, scale)  (a-1) log z + (b-1) log1p(-z) - betaln(a, b) - log(scale)
    poisson.logpmf(k, mu, loc)      k log(mu) - mu - gammaln(k - loc + 1)  (k - loc for k)
    pdf, pmf                        exp of logpdf, logpmf
    multivariate_normal.logpdf(x, mean, cov)
                                    -(d log(2 pi) + log|cov| + (x-m)^T cov^-1 (x-m)) / 2
                                    (cov's lower triangle, as SciPy reads it: the
                                    gradient above the diagonal is 0)
    dirichlet.logpdf(x, alpha)      sum((alpha-1) log x) + gammaln(sum alpha) - sum gammaln(alpha)
    entropy(pk, qk, base, axis)     sum(entr(p)) or sum(rel_entr(p, q)) along axis (0), with
                                    p = pk/sum(pk), q = qk/sum(qk); divided by log(base)
    zscore(a, axis, ddof)           (a - mean(a)) / std(a, ddof) along axis (0; None: all)

Inside each support (z > 0 for gamma, 0 < z < 1 for beta); outside it SciPy gives -inf and
these give NaN. The cdfs of t, gamma and beta (incomplete beta and gamma functions, with
no closed-form derivative in their shape parameters) are not provided.
"""
from __future__ import annotations

import sympy

from ..ir import TMP, Const
from . import special as S
from .compositions import none, only
from .registry import Composition, compose

LOG_2PI = sympy.log(2 * sympy.pi)


def _norm(x, loc, scale):
    z = (x - loc) / scale
    return -z ** 2 / 2 - sympy.log(scale) - LOG_2PI / 2


def _t(x, df, loc, scale):
    z = (x - loc) / scale
    return (sympy.loggamma((df + 1) / 2) - sympy.loggamma(df / 2)
            - sympy.log(sympy.pi * df) / 2 - sympy.log(scale)
            - (df + 1) / 2 * S.Log1p(z ** 2 / df))


def _gamma(x, a, loc, scale):
    z = (x - loc) / scale
    return (a - 1) * sympy.log(z) - z - sympy.loggamma(a) - sympy.log(scale)


def _beta(x, a, b, loc, scale):
    z = (x - loc) / scale
    return (a - 1) * sympy.log(z) + (b - 1) * S.Log1p(-z) - S.Betaln(a, b) - sympy.log(scale)


def _poisson(k, mu, loc):
    k = k - loc
    return S.Xlogy(k, mu) - mu - sympy.loggamma(k + 1)


def _cauchy(x, loc, scale):
    z = (x - loc) / scale
    return -sympy.log(sympy.pi * scale * (1 + z ** 2))


def _logistic(x, loc, scale):
    z = (x - loc) / scale
    return S.LogExpit(z) + S.LogExpit(-z) - sympy.log(scale)


def _laplace(x, loc, scale):
    return -sympy.Abs(x - loc) / scale - sympy.log(2 * scale)        # scale > 0


def _lognorm(x, s, loc, scale):
    z = (x - loc) / scale
    return (-sympy.log(s * z) - LOG_2PI / 2 - sympy.log(z) ** 2 / (2 * s ** 2)
            - sympy.log(scale))


def _chi2(x, df, loc, scale):
    z = (x - loc) / scale
    return ((df / 2 - 1) * sympy.log(z) - z / 2 - df / 2 * sympy.log(2)
            - sympy.loggamma(df / 2) - sympy.log(scale))


def _invgamma(x, a, loc, scale):
    z = (x - loc) / scale
    return -(a + 1) * sympy.log(z) - 1 / z - sympy.loggamma(a) - sympy.log(scale)


def _exp(logf):
    return lambda *vs: sympy.exp(logf(*vs))


def _norm_z(f):
    return lambda x, loc, scale: f((x - loc) / scale)


#: distribution -> (its parameters after x with their defaults (None: required), methods)
DISTRIBUTIONS = {
    "norm": ((("loc", 0.0), ("scale", 1.0)),
             {"logpdf": _norm, "pdf": _exp(_norm), "cdf": _norm_z(S.Ndtr),
              "logcdf": _norm_z(S.LogNdtr), "sf": _norm_z(lambda z: S.Ndtr(-z)),
              "logsf": _norm_z(lambda z: S.LogNdtr(-z)),
              "ppf": lambda q, loc, scale: loc + scale * S.Ndtri(q)}),
    "cauchy": ((("loc", 0.0), ("scale", 1.0)),
               {"logpdf": _cauchy, "pdf": _exp(_cauchy),
                "cdf": _norm_z(lambda z: sympy.Rational(1, 2) + sympy.atan(z) / sympy.pi)}),
    "logistic": ((("loc", 0.0), ("scale", 1.0)),
                 {"logpdf": _logistic, "pdf": _exp(_logistic), "cdf": _norm_z(S.Expit),
                  "sf": _norm_z(lambda z: S.Expit(-z))}),
    "laplace": ((("loc", 0.0), ("scale", 1.0)), {"logpdf": _laplace, "pdf": _exp(_laplace)}),
    "lognorm": ((("s", None), ("loc", 0.0), ("scale", 1.0)),
                {"logpdf": _lognorm, "pdf": _exp(_lognorm),
                 "cdf": lambda x, s, loc, scale: S.Ndtr(sympy.log((x - loc) / scale) / s)}),
    "chi2": ((("df", None), ("loc", 0.0), ("scale", 1.0)),
             {"logpdf": _chi2, "pdf": _exp(_chi2)}),
    "invgamma": ((("a", None), ("loc", 0.0), ("scale", 1.0)),
                 {"logpdf": _invgamma, "pdf": _exp(_invgamma)}),
    "t": ((("df", None), ("loc", 0.0), ("scale", 1.0)), {"logpdf": _t, "pdf": _exp(_t)}),
    "gamma": ((("a", None), ("loc", 0.0), ("scale", 1.0)),
              {"logpdf": _gamma, "pdf": _exp(_gamma)}),
    "beta": ((("a", None), ("b", None), ("loc", 0.0), ("scale", 1.0)),
             {"logpdf": _beta, "pdf": _exp(_beta)}),
    "poisson": ((("mu", None), ("loc", 0.0)), {"logpmf": _poisson, "pmf": _exp(_poisson)}),
}


def _elementwise(distribution: str, method: str):
    params, methods = DISTRIBUTIONS[distribution]
    formula = methods[method]
    what = f"scipy.stats.{distribution}.{method}"

    def lower(ctx, e, hint, name, args, keywords):
        first = "k" if distribution == "poisson" else "q" if method == "ppf" else "x"
        only(ctx, e, keywords, {first} | {p for p, _ in params}, what)
        names = [first] + [p for p, _ in params]
        if len(args) > len(names):
            raise ctx.fail(f"{what} takes {', '.join(names)} here", e)
        values = []
        for k, (pname, default) in enumerate([(first, None)] + list(params)):
            value = keywords.get(pname, args[k] if k < len(args) else None)
            if value is None and default is None:
                raise ctx.fail(f"{what} needs `{pname}`", e, f"pass {pname}= to {what}")
            values.append(ctx.array(Const(default) if value is None else value, e))
        return ctx.ew(formula, values, hint)
    return lower


def _matrix_args(ctx, e, args, keywords, names, what):
    only(ctx, e, keywords, set(names), what)
    values = [keywords.get(k, args[i] if i < len(args) else None) for i, k in enumerate(names)]
    missing = [k for k, v in zip(names, values) if v is None or none(v)]
    if missing or len(args) > len(names):
        raise ctx.fail(f"{what} takes {', '.join(names)} here, all given", e,
                       f"pass {', '.join(names)} (write cov=np.eye(d) for the identity)")
    return [ctx.array(v, e) for v in values]


def mvn_logpdf(ctx, e, hint, name, args, keywords):
    what = "scipy.stats.multivariate_normal.logpdf"
    x, mean, cov = _matrix_args(ctx, e, args, keywords, ("x", "mean", "cov"), what)
    diff = ctx.ew(lambda u, m: u - m, [x, mean], TMP)
    below = ctx.emit("transpose", [ctx.emit("tril", [cov], TMP, k=-1)], TMP, axes=None)
    cov = ctx.ew(lambda lo, up: lo + up, [ctx.emit("tril", [cov], TMP, k=0), below], TMP)
    precision = ctx.emit("inv", [cov], TMP)
    solved = ctx.emit("matmul", [diff, precision], TMP)
    quad = ctx.emit("sum", [ctx.ew(lambda a, b: a * b, [solved, diff], TMP)], TMP, axis=-1,
                    keepdims=False)
    logdet = ctx.emit("logabsdet", [cov], TMP)
    d = ctx.emit("dim", [cov], TMP, axis=0)
    log_density = ctx.ew(lambda q, ld, n: -(n * LOG_2PI + ld + q) / 2, [quad, logdet, d],
                         hint if name.endswith("logpdf") else TMP)
    return log_density if name.endswith("logpdf") else ctx.ew(sympy.exp, [log_density], hint)


def dirichlet_logpdf(ctx, e, hint, name, args, keywords):
    what = "scipy.stats.dirichlet.logpdf"
    x, alpha = _matrix_args(ctx, e, args, keywords, ("x", "alpha"), what)
    rows = ctx.emit("transpose", [x], TMP, axes=None)          # (d,) or (d, n) -> (n, d)
    terms = ctx.ew(lambda u, a: (a - 1) * sympy.log(u), [rows, alpha], TMP)
    total = ctx.emit("sum", [terms], TMP, axis=-1, keepdims=False)
    norm = ctx.ew(sympy.loggamma, [ctx.emit("sum", [alpha], TMP, axis=None, keepdims=False)],
                  TMP)
    parts = ctx.emit("sum", [ctx.ew(sympy.loggamma, [alpha], TMP)], TMP, axis=None,
                     keepdims=False)
    log_density = ctx.ew(lambda t, g, p: t + g - p, [total, norm, parts],
                         hint if name.endswith("logpdf") else TMP)
    return log_density if name.endswith("logpdf") else ctx.ew(sympy.exp, [log_density], hint)


def _normalized(ctx, v, axis):
    total = ctx.emit("sum", [v], TMP, axis=axis, keepdims=True)
    return ctx.ew(lambda u, t: u / t, [v, total], TMP)


def entropy(ctx, e, hint, name, args, keywords):
    from .special_more import RelEntr
    what = "scipy.stats.entropy"
    names = ("pk", "qk", "base", "axis")
    only(ctx, e, keywords, set(names), what)
    if len(args) > len(names):
        raise ctx.fail(f"{what} takes {', '.join(names)} here", e)
    given = {k: keywords.get(k, args[i] if i < len(args) else None) for i, k in enumerate(names)}
    axis = ctx.static(Const(0) if given["axis"] is None else given["axis"], e, "axis")
    p = _normalized(ctx, ctx.array(given["pk"], e), axis)
    if given["qk"] is None or none(given["qk"]):
        terms = ctx.ew(S.Entr, [p], TMP)
    else:
        q = _normalized(ctx, ctx.array(given["qk"], e), axis)
        terms = ctx.ew(RelEntr, [p, q], TMP)
    base = given["base"]
    if base is None or none(base):
        return ctx.emit("sum", [terms], hint, axis=axis, keepdims=False)
    total = ctx.emit("sum", [terms], TMP, axis=axis, keepdims=False)
    return ctx.ew(lambda h, b: h / sympy.log(b), [total, ctx.array(base, e)], hint)


def zscore(ctx, e, hint, name, args, keywords):
    what = "scipy.stats.zscore"
    names = ("a", "axis", "ddof")
    only(ctx, e, keywords, set(names), what)
    if len(args) > len(names) or not args:
        raise ctx.fail(f"{what} takes {', '.join(names)} here", e)
    given = [keywords.get(k, args[i] if i < len(args) else None) for i, k in enumerate(names)]
    a = ctx.array(given[0], e)
    axis = ctx.static(Const(0) if given[1] is None else given[1], e, "axis")
    ddof = ctx.static(Const(0) if given[2] is None else given[2], e, "ddof")
    if axis is not None and (isinstance(axis, bool) or not isinstance(axis, int)):
        raise ctx.fail(f"{what} takes one axis (or None)", e, "write axis=k for one axis k")
    if isinstance(ddof, bool) or not isinstance(ddof, int):
        raise ctx.fail(f"the ddof of {what} must be a constant integer", e, "write e.g. ddof=1")
    mean = ctx.emit("mean", [a], TMP, axis=axis, keepdims=True)
    centred = ctx.ew(lambda u, m: u - m, [a, mean], TMP)
    squares = ctx.emit("sum", [ctx.ew(lambda c: c * c, [centred], TMP)], TMP, axis=axis,
                       keepdims=True)
    count = ctx.emit("size", [a], TMP) if axis is None else \
        ctx.emit("dim", [a], TMP, axis=axis)
    return ctx.ew(lambda c, q, n: c / sympy.sqrt(q / (n - ddof)), [centred, squares, count],
                  hint)


compose(Composition("entropy", "-sum(p log p), or sum(p log(p/q)), of normalized p and q",
                    entropy, spellings=("scipy.stats.entropy",)),
        Composition("zscore", "(a - mean(a)) / std(a)", zscore,
                    spellings=("scipy.stats.zscore",)))


compose(*[Composition(f"{d}.{m}", f"{m} of scipy.stats.{d}", _elementwise(d, m),
                      spellings=(f"scipy.stats.{d}.{m}",))
          for d, (_, methods) in DISTRIBUTIONS.items() for m in methods],
        *[Composition(f"{d}.{m}", f"{m} of scipy.stats.{d}", lower,
                      spellings=(f"scipy.stats.{d}.{m}",))
          for d, lower in (("multivariate_normal", mvn_logpdf), ("dirichlet", dirichlet_logpdf))
          for m in ("logpdf", "pdf")])
