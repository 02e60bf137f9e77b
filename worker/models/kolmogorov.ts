// The p-value of a two-sample Kolmogorov-Smirnov statistic: the asymptotic Kolmogorov
// distribution with Stephens' small-sample correction of the effective sample size. Good to a few
// percent once the effective size n·m/(n+m) is about 4 or more; Postgres computes D itself.

const SQRT_2PI = Math.sqrt(2 * Math.PI);
// Below this the alternating series needs many terms; the Jacobi theta form converges in 2-3.
const SERIES_SWITCH = 1.18;

/** Q_KS(λ) = P(K > λ) = 2 Σ_{j≥1} (-1)^{j-1} exp(-2 j² λ²), the Kolmogorov distribution's tail. */
export function kolmogorovQ(lambda: number): number {
  if (!(lambda > 0)) return 1;
  if (lambda < SERIES_SWITCH) {
    // P(K ≤ λ) = √(2π)/λ Σ_{j≥1} exp(-(2j-1)² π² / (8 λ²)): the same function, written so that
    // the terms fall fast for small λ.
    const a = (Math.PI * Math.PI) / (8 * lambda * lambda);
    let p = 0;
    for (let j = 1; j < 100; j++) {
      const term = Math.exp(-(2 * j - 1) * (2 * j - 1) * a);
      p += term;
      if (term <= 1e-17 * p) break;
    }
    return clamp01(1 - (SQRT_2PI / lambda) * p);
  }
  let q = 0;
  for (let j = 1; j < 100; j++) {
    const term = Math.exp(-2 * j * j * lambda * lambda);
    q += j % 2 === 1 ? term : -term;
    if (term <= 1e-17 * q) break;
  }
  return clamp01(2 * q);
}

/**
 * P(D ≥ d) for samples of n and m values from one distribution: λ = (√ne + 0.12 + 0.11/√ne)·d
 * with ne = n·m/(n+m) (Stephens 1970). null when either sample is empty.
 */
export function ksPValue(d: number, n: number, m: number): number | null {
  if (!(n > 0) || !(m > 0)) return null;
  const ne = (n * m) / (n + m);
  const root = Math.sqrt(ne);
  return kolmogorovQ((root + 0.12 + 0.11 / root) * d);
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
