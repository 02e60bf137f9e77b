// Time-axis ticks on the site's wall clock (whole local hours or midnights). Computed from the
// site's zone, not the machine's, so the server and the browser draw the same axis.
import { zone } from "../../contract/time-zone";

const STEPS_H = [1, 2, 3, 4, 6, 12, 24, 48, 168];

export function siteTimeTicks(startMs: number, endMs: number, timeZone: string, maxTicks: number): number[] {
  const spanH = (endMs - startMs) / 3_600_000;
  const step = STEPS_H.find((s) => spanH / s <= maxTicks) ?? STEPS_H[STEPS_H.length - 1];
  const z = zone(timeZone);
  const ticks: number[] = [];
  for (let day = z.localDay(startMs) - 1; day <= z.localDay(endMs) + 1; day++) {
    if (step >= 24) {
      if (day % (step / 24) === 0 || step === 24) ticks.push(z.toUtc(day, 0));
      continue;
    }
    for (let h = 0; h < 24; h += step) ticks.push(z.toUtc(day, h * 60));
  }
  return [...new Set(ticks)].filter((t) => t >= startMs && t <= endMs).sort((a, b) => a - b);
}
