"""Reference values for the analyze/stats tests, computed independently of the
Go code and of gonum: plain Python 3, standard library only.

Run: python3 analyze/stats/testdata/reference.py

Each section prints the numbers that a Go test asserts. The formulas used here
deliberately differ from the Go code's own route to the same number. They are
closed forms where one exists, exact binomial sums instead of incomplete beta
functions, and the closed-form cubic for the Farrington-Manning restricted
maximum likelihood estimate where the Go code bisects the score equation.
"""

import math
from fractions import Fraction
from statistics import NormalDist


def eb_bounds(xs, alpha, c=0.75):
    """Predictable plug-in empirical Bernstein confidence sequence, one side at
    level alpha each, with the running intersection, written array-style."""
    mu = [0.5]  # mu_hat_0
    var = [0.25]  # sigma2_hat_0
    s = 0.0
    sq = 0.0
    for i, x in enumerate(xs, start=1):
        s += x
        m = (0.5 + s) / (i + 1)
        sq += (x - m) ** 2
        mu.append(m)
        var.append((0.25 + sq) / (i + 1))
    lo, hi = 0.0, 1.0
    sl = slx = svp = 0.0
    for i, x in enumerate(xs, start=1):
        lam = min(math.sqrt(2 * math.log(1 / alpha) / (var[i - 1] * i * math.log(1 + i))), c)
        # v uses the regularised mean of the observations before x.
        prev = (0.5 + sum(xs[: i - 1])) / i
        v = (x - prev) ** 2
        sl += lam
        slx += lam * x
        svp += v * (-math.log(1 - lam) - lam)
        centre = slx / sl
        half = (math.log(1 / alpha) + svp) / sl
        lo = max(lo, centre - half)
        hi = min(hi, centre + half)
    return lo, hi


def zero_failure_upper(n, alpha, c=0.75):
    """Closed form of the EB upper bound after n observations that are all 0:
    every bet is truncated at c and v_i = (1/(2i))^2, so
    U_n = (log(1/alpha) + psi(c) * sum 1/(4 i^2)) / (c n)."""
    psi = -math.log(1 - c) - c
    return (math.log(1 / alpha) + psi * sum(1 / (4 * i * i) for i in range(1, n + 1))) / (c * n)


def fm_restricted(x1, n1, x2, n2, delta):
    """Farrington-Manning restricted MLE of (p1, p2) under p1 - p2 = delta,
    from the closed-form root of the likelihood cubic."""
    theta = n2 / n1
    p1h, p2h = x1 / n1, x2 / n2
    a = 1 + theta
    b = -(1 + theta + p1h + theta * p2h + delta * (theta + 2))
    c = delta * delta + delta * (2 * p1h + theta + 1) + p1h + theta * p2h
    d = -p1h * delta * (1 + delta)
    v = b ** 3 / (27 * a ** 3) - b * c / (6 * a * a) + d / (2 * a)
    u = math.copysign(math.sqrt(b * b / (9 * a * a) - c / (3 * a)), v)
    w = (math.pi + math.acos(max(-1.0, min(1.0, v / u ** 3)))) / 3
    r1 = 2 * u * math.cos(w) - b / (3 * a)
    return r1, r1 - delta


def fm_z(x1, n1, x2, n2, delta):
    r1, r2 = fm_restricted(x1, n1, x2, n2, delta)
    return (x1 / n1 - x2 / n2 - delta) / math.sqrt(r1 * (1 - r1) / n1 + r2 * (1 - r2) / n2)


def binom_cdf(k, n, p):
    """P(Binomial(n, p) <= k) by exact summation."""
    return sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(0, k + 1))


def order_statistic_ranks(n, q, side):
    """Distribution-free ranks: the largest l with P(Bin(n,q) <= l-1) <= side
    and the smallest u with P(Bin(n,q) >= u) <= side."""
    lows = [r for r in range(1, n + 1) if binom_cdf(r - 1, n, q) <= side]
    highs = [r for r in range(1, n + 1) if 1 - binom_cdf(r - 1, n, q) <= side]
    # None: no order statistic bounds the quantile on that side.
    return (max(lows) if lows else None), (min(highs) if highs else None)


def mixture_boundary(estimate, variance, rho, alpha):
    """Normal-mixture bounds of Robbins for an estimate with the given
    variance, written as the boundary of the sum S = estimate / variance in
    intrinsic time V = 1 / variance: the mixture martingale over a N(0, rho^2)
    drift crosses 1/alpha where S^2 = (V + 1/rho^2)(2 log(1/alpha) +
    log(1 + rho^2 V)). Returns the multiplier z of the standard error and the
    bounds estimate -/+ z * sqrt(variance)."""
    v = 1 / variance
    s_bound = math.sqrt((v + 1 / rho ** 2) * (2 * math.log(1 / alpha) + math.log(1 + rho ** 2 * v)))
    half = s_bound / v
    return half / math.sqrt(variance), estimate - half, estimate + half


def verdict_of(lower, upper, margin):
    """FAIL when the lower bound is above the margin, PASS when the upper
    bound is below it, WAIT otherwise."""
    if lower > margin:
        return "FAIL"
    if upper < margin:
        return "PASS"
    return "WAIT"


def cluster_variance(group):
    """CR1 variance of the pooled rate of a group of (trials, failures)
    clients, inf with fewer than 2 clients."""
    if len(group) < 2:
        return math.inf
    n = sum(t for t, _ in group)
    p = sum(f for _, f in group) / n
    g = len(group)
    return g / (g - 1) * sum((f - p * t) ** 2 for t, f in group) / n ** 2


def paired_rates(alb, nlb, margin, alpha):
    """ComparePairedRates from its documented formulas. alb and nlb map a
    client to (trials, failures). Clients with trials on both paths are
    compared with themselves; the others are left out of the difference and
    only feed the background rates."""
    alb = {k: v for k, v in alb.items() if v[0] > 0}
    nlb = {k: v for k, v in nlb.items() if v[0] > 0}
    paired = sorted(k for k in alb if k in nlb)
    alb_only = [alb[k] for k in sorted(alb) if k not in nlb]
    nlb_only = [nlb[k] for k in sorted(nlb) if k not in alb]
    n_paired = sum(alb[k][0] for k in paired)
    m_all = sum(t for t, _ in nlb.values())

    # Background rates: (F+1)/(N+2) over the clients, paired or not, that
    # did not fail every connection.
    def background(clients):
        f = sum(x for t, x in clients if x < t)
        t = sum(t for t, x in clients if x < t)
        return (f + 1) / (t + 2)

    pi_a = background([alb[k] for k in paired] + alb_only)
    pi_b = background([nlb[k] for k in paired] + nlb_only)
    d = 0.0
    nlb_rate = 0.0
    var_a = var_b = 0.0
    for k in paired:
        (n, fa), (m, fb) = alb[k], nlb[k]
        w, a, b = n / n_paired, fa / n, fb / m
        d += w * (a - b)
        nlb_rate += w * b
        var_a += w ** 2 * max(a * (1 - a), pi_a * (1 - pi_a)) / n
        var_b += w ** 2 * max(b * (1 - b), pi_b * (1 - pi_b)) / m
    variance = var_a + var_b if paired else math.inf
    rho = max(margin, 0.001) / 4
    if math.isinf(variance):
        z, lower, upper = math.inf, -math.inf, math.inf
    else:
        z, lower, upper = mixture_boundary(d, variance, rho, alpha)
    return {
        "alb_rate": sum(alb[k][1] for k in paired) / n_paired if paired else 0.0,
        "nlb_rate": nlb_rate,
        "nlb_pooled": sum(f for _, f in nlb.values()) / m_all,
        "difference": d,
        "background": (pi_a, pi_b),
        "variance": variance,
        "z": z,
        "lower": lower,
        "upper": upper,
        "verdict": verdict_of(lower, upper, margin),
        "alb_only": (len(alb_only), sum(t for t, _ in alb_only), sum(f for _, f in alb_only)),
    }


def clustered_rates(alb, nlb, margin, alpha):
    """CompareClusteredRates from its documented formulas: per path the
    larger of the CR1 cluster variance and the floor p~(1-p~)/N with
    p~ = (F+1)/(N+2), and the design effect CR1 over p(1-p)/N."""
    out = {}
    variance = 0.0
    rates = []
    for name, side in (("alb", alb), ("nlb", nlb)):
        group = [c for c in side if c[0] > 0]
        n = sum(t for t, _ in group)
        f = sum(x for _, x in group)
        p = f / n
        floor = (f + 1) / (n + 2) * (1 - (f + 1) / (n + 2)) / n
        cluster = cluster_variance(group)
        variance += max(cluster, floor)
        rates.append(p)
        deff = max(1.0, cluster / (p * (1 - p) / n)) if p * (1 - p) > 0 and not math.isinf(cluster) else 1.0
        out[name] = {"rate": p, "cluster": cluster, "floor": floor, "design_effect": deff}
    d = rates[0] - rates[1]
    z, lower, upper = mixture_boundary(d, variance, max(margin, 0.001) / 4, alpha)
    out.update(difference=d, variance=variance, z=z, lower=lower, upper=upper,
               verdict=verdict_of(lower, upper, margin))
    return out


def weighted_quantile(points, f):
    """Smallest value with at least the fraction f of the weight at or below
    it: 0 for f <= 0 and inf beyond the total. points are (value, weight)
    pairs with Fraction weights."""
    if f <= 0:
        return 0.0
    total = Fraction(0)
    for value, weight in sorted(points):
        total += weight
        if total >= f:
            return value
    return math.inf


def paired_quantile(alb, nlb, q, alpha, look):
    """ComparePairedQuantile from its documented formulas, with exact
    fractions for the mixture weights. alb and nlb map a client to a list of
    (seconds, count). Each path's mixture gives client i the weight w_i, its
    share of the paired ALB samples, spread evenly over its own samples.
    Returns, per path, the estimate, the standard error of the distribution
    function at it, and the Woodruff bounds at q -/+ z * se."""
    paired = sorted(k for k in alb if k in nlb)
    size = {k: sum(c for _, c in alb[k]) for k in paired}
    total = sum(size.values())
    w = {k: Fraction(size[k], total) for k in paired}
    look_alpha = alpha / (look * (look + 1))
    z = NormalDist().inv_cdf(1 - look_alpha / 2)
    out = {"look_alpha": look_alpha, "z": z}

    for name, side in (("alb", alb), ("nlb", nlb)):
        points = []
        for k in paired:
            m = sum(c for _, c in side[k])
            points += [(v, w[k] * Fraction(c, m)) for v, c in side[k]]
        estimate = weighted_quantile(points, q)

        # The floor is q(1-q) at the mixture's effective sample size,
        # 1 / sum(w_i^2 / m_i).
        var = 0.0
        inv = 0.0
        for k in paired:
            m = sum(c for _, c in side[k])
            inv += float(w[k]) ** 2 / m
            at_or_below = sum(c for v, c in side[k] if v <= estimate) / m
            var += float(w[k]) ** 2 * at_or_below * (1 - at_or_below) / m
        se = math.sqrt(max(var, q * (1 - q) * inv))
        lo_f, hi_f = q - z * se, q + z * se

        # The distance from q -/+ z*se to the nearest step of the mixture,
        # printed to show that rounding cannot move a bound to the next value.
        steps, cum = [], Fraction(0)
        for _, weight in sorted(points):
            cum += weight
            steps.append(float(cum))
        gap = min(abs(s - f) for s in steps for f in (lo_f, hi_f))
        out[name] = (estimate, se, weighted_quantile(points, lo_f), weighted_quantile(points, hi_f), gap)
    return out


def main():
    z95 = NormalDist().inv_cdf(0.95)

    print("== empirical Bernstein, 1000 zeros, alpha 0.025 per side")
    print("closed form upper:", repr(zero_failure_upper(1000, 0.025)))
    print("array-style      :", eb_bounds([0.0] * 1000, 0.025))
    print("1054 zeros upper :", repr(zero_failure_upper(1054, 0.025)))
    print("1053 zeros upper :", repr(zero_failure_upper(1053, 0.025)))

    print("50 zeros upper   :", repr(zero_failure_upper(50, 0.025)))
    n = 1
    while zero_failure_upper(n, 0.025) >= 0.01:
        n += 1
    print("fewest zeros with upper < 0.01:", n)

    print("== empirical Bernstein, 1000 observations of 0.01, alpha 0.025 per side")
    print(eb_bounds([0.01] * 1000, 0.025))

    print("== empirical Bernstein, mixed sequence, alpha 0.025 per side")
    mixed = [0.0, 0.01, 0.0, 0.5, 0.0, 0.02, 0.0, 0.0, 1.0, 0.0] * 20
    print(eb_bounds(mixed, 0.025))

    print("== Farrington-Manning, zero failures: Wilson bound z^2/(n+z^2)")
    print("n1=1000 upper:", repr(z95 ** 2 / (1000 + z95 ** 2)))
    print("n2=2000 lower:", repr(-(z95 ** 2) / (2000 + z95 ** 2)))

    print("== Farrington-Manning z, x1=30 n1=1000 x2=20 n2=1200")
    for delta in (0.0, 0.005, 0.01, 0.02, -0.01):
        r1, r2 = fm_restricted(30, 1000, 20, 1200, delta)
        print(f"delta={delta}: z={fm_z(30, 1000, 20, 1200, delta)!r} p1~={r1!r} p2~={r2!r}")

    print("== order-statistic ranks")
    print("n=20 median, side 0.025:", order_statistic_ranks(20, 0.5, 0.025))
    print("n=100 q=0.9, side 0.025:", order_statistic_ranks(100, 0.9, 0.025))
    print("n=300 q=0.99, side 0.025:", order_statistic_ranks(300, 0.99, 0.025))
    print("n=40 median, side 0.025:", order_statistic_ranks(40, 0.5, 0.025))
    print("n=400 median, side 0.0125:", order_statistic_ranks(400, 0.5, 0.0125))
    print("n=400 median, side 0.025/12:", order_statistic_ranks(400, 0.5, 0.025 / 12))

    print("== design effect, 4 clients of 5 samples, all of client i equal to i")
    # Cut at the median 2: a = (5, 5, 0, 0), m = 5 each, p = 0.5.
    k, n, p = 4, 20, 0.5
    cluster = k / (k - 1) * sum((a - p * 5) ** 2 for a in (5, 5, 0, 0)) / n ** 2
    print("deff:", repr(cluster / (p * (1 - p) / (n - 1))))

    print("== paired rates (ComparePairedRates), alpha 0.05")
    paired_cases = [
        ("zero failures, margin 0.01",
         {"a": (400, 0), "b": (300, 0), "c": (300, 0)},
         {"a": (200, 0), "b": (500, 0), "c": (100, 0)}, 0.01),
        # Client b fails 10 % on both paths but carries most ALB traffic.
        ("reweighted, margin 0.02",
         {"a": (10000, 100), "b": (80000, 8000), "c": (10000, 0)},
         {"a": (80000, 800), "b": (10000, 1000), "c": (10000, 0)}, 0.02),
        # The same, plus ALB-only clients x and z (z has no NLB trials) and
        # NLB-only clients y and v: one more stratum.
        ("reweighted with unpaired clients, margin 0.02",
         {"a": (10000, 100), "b": (80000, 8000), "c": (10000, 0), "x": (500, 50), "z": (300, 3)},
         {"a": (80000, 800), "b": (10000, 1000), "c": (10000, 0), "y": (700, 7), "v": (300, 5), "z": (0, 0)}, 0.02),
        # ALB-only clients and no NLB-only client: the stratum is compared
        # with all NLB connections.
        ("ALB-only clients against all NLB connections, margin 0.02",
         {"a": (10000, 100), "b": (80000, 8000), "c": (10000, 0), "x": (500, 50), "z": (300, 3)},
         {"a": (80000, 800), "b": (10000, 1000), "c": (10000, 0)}, 0.02),
        # A single ALB-only client has no clustered variance.
        ("one ALB-only client, margin 0.02",
         {"a": (10000, 100), "b": (80000, 8000), "c": (10000, 0), "x": (500, 50)},
         {"a": (80000, 800), "b": (10000, 1000), "c": (10000, 0)}, 0.02),
        # Partner p fails every connection on both paths.
        ("partner failing on both paths, margin 0.01",
         {"a": (1000, 2), "b": (1000, 1), "p": (500, 500)},
         {"a": (1000, 1), "b": (1000, 2), "p": (2000, 2000)}, 0.01),
        ("ALB 3 points worse, margin 0.01",
         {"a": (2000, 80), "b": (3000, 150), "c": (1000, 40)},
         {"a": (2000, 20), "b": (3000, 60), "c": (1000, 10)}, 0.01),
        ("one client, 3 and 2 connections",
         {"a": (3, 0)}, {"a": (2, 0)}, 0.01),
        ("two clients, a few connections",
         {"a": (3, 0), "b": (1, 0)}, {"a": (2, 0), "b": (4, 1)}, 0.01),
    ]
    for name, alb, nlb, margin in paired_cases:
        r = paired_rates(alb, nlb, margin, 0.05)
        print(name + ":")
        for key, value in r.items():
            print(f"  {key}: {value!r}")

    print("== clustered rates (CompareClusteredRates), alpha 0.05")
    clustered_cases = [
        ("spread clients, margin 0.01",
         [(1000, 10), (500, 0), (2000, 60), (300, 3)],
         [(800, 4), (1200, 12), (600, 0), (400, 4)], 0.01),
        ("zero failures, margin 0.005",
         [(1000, 0)] * 5, [(2000, 0)] * 3, 0.005),
    ]
    for name, alb, nlb, margin in clustered_cases:
        print(name + ":")
        for key, value in clustered_rates(alb, nlb, margin, 0.05).items():
            print(f"  {key}: {value!r}")

    print("== MixtureBounds")
    for args in ((0.002, 1e-6, 0.0025, 0.05), (0.0, 4e-6, 0.0025, 0.1)):
        print(args, "z, lower, upper:", mixture_boundary(*args))

    print("== paired quantile (ComparePairedQuantile), q 0.5, alpha 0.05")
    alb = {
        "fast": [(0.010, 10), (0.012, 10), (0.014, 10), (0.016, 10), (0.018, 10)],
        "mid": [(0.050, 5), (0.055, 5)],
        "slow": [(0.100, 4), (0.110, 3), (0.120, 3)],
    }
    nlb = {
        "fast": [(0.011, 2), (0.013, 2), (0.015, 2), (0.017, 2), (0.019, 2)],
        "mid": [(0.051, 5), (0.056, 5)],
        "slow": [(0.101, 10), (0.111, 10), (0.121, 10)],
    }
    for look in (1, 3):
        r = paired_quantile(alb, nlb, 0.5, 0.05, look)
        print(f"look {look}: look_alpha {r['look_alpha']!r} z {r['z']!r}")
        for name in ("alb", "nlb"):
            estimate, se, lower, upper, gap = r[name]
            print(f"  {name}: estimate {estimate!r} se {se!r} lower {lower!r} upper {upper!r} (gap to a step {gap:.4f})")
    print("pooled NLB median, unweighted:", weighted_quantile(
        [(v, Fraction(c)) for k in nlb for v, c in nlb[k]], Fraction(sum(c for k in nlb for _, c in nlb[k]), 2)))


if __name__ == "__main__":
    main()
