import { describe, expect, it } from "vitest";
import { kolmogorovQ, ksPValue } from "./kolmogorov";

// ln C(n, k) from a running sum of logs: exact enough for n up to a few thousand.
function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/**
 * Exact P(D >= k/n) for two samples of n values each (Gnedenko-Korolyuk):
 * 2 Σ_{j≥1} (-1)^{j-1} C(2n, n - jk) / C(2n, n).
 */
function exactEqualSizes(n: number, k: number): number {
  const total = logChoose(2 * n, n);
  let p = 0;
  for (let j = 1; j * k <= n; j++) p += (j % 2 === 1 ? 1 : -1) * Math.exp(logChoose(2 * n, n - j * k) - total);
  return 2 * p;
}

describe("kolmogorovQ", () => {
  it.each([
    // Tabulated tail of the Kolmogorov distribution.
    [0.5, 0.9639],
    [0.8, 0.5441],
    [1.0, 0.27],
    [1.2238, 0.1],
    [1.36, 0.0495],
    [1.5, 0.0222],
    [1.63, 0.00985],
    [2.0, 0.000671],
  ])("Q_KS(%s) ≈ %s", (lambda, expected) => {
    expect(Math.abs(kolmogorovQ(lambda) - expected)).toBeLessThan(expected * 2e-3 + 1e-5);
  });

  it("is continuous where it switches between its two series", () => {
    expect(kolmogorovQ(1.18 - 1e-9)).toBeCloseTo(kolmogorovQ(1.18), 8);
  });

  it("falls from 1 towards 0 and stays a probability", () => {
    expect(kolmogorovQ(0)).toBe(1);
    expect(kolmogorovQ(-1)).toBe(1);
    expect(kolmogorovQ(0.01)).toBe(1);
    expect(kolmogorovQ(50)).toBe(0);
    let last = 1;
    for (let l = 0.05; l < 4; l += 0.05) {
      const q = kolmogorovQ(l);
      expect(q).toBeLessThanOrEqual(last);
      expect(q).toBeGreaterThanOrEqual(0);
      last = q;
    }
  });
});

describe("ksPValue", () => {
  it("uses the effective size n·m/(n+m) with Stephens' correction", () => {
    // ne = 300·100/400 = 75
    const lambda = (Math.sqrt(75) + 0.12 + 0.11 / Math.sqrt(75)) * 0.2;
    expect(ksPValue(0.2, 300, 100)).toBeCloseTo(kolmogorovQ(lambda), 15);
    expect(ksPValue(0.2, 100, 300)).toBe(ksPValue(0.2, 300, 100));
  });

  it.each([
    [30, 6],
    [30, 9],
    [100, 20],
    [100, 30],
    [500, 50],
    [500, 100],
  ])("is within a factor of 1.5 of the exact p-value for n = m = %i, D = %i/n", (n, k) => {
    const exact = exactEqualSizes(n, k);
    const approx = ksPValue(k / n, n, n)!;
    // The asymptotic tail is continuous, the exact one includes D = k/n itself: it runs a little low.
    expect(approx / exact).toBeGreaterThan(1 / 1.5);
    expect(approx / exact).toBeLessThan(1.5);
  });

  it("has no p-value without both samples; D = 0 gives 1 and D = 1 with large samples about 0", () => {
    expect(ksPValue(0.5, 0, 10)).toBeNull();
    expect(ksPValue(0.5, 10, 0)).toBeNull();
    expect(ksPValue(0, 50, 50)).toBe(1);
    expect(ksPValue(1, 1000, 1000)).toBeLessThan(1e-100);
  });
});
