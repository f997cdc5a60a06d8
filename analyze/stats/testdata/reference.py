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


if __name__ == "__main__":
    main()
