import { useState, type KeyboardEvent } from "react";

/** Arrow keys, Home and End move a highlighted point through a chart's data; Escape clears it. */
export function useChartKeys(count: number) {
  const [active, setActive] = useState<number | null>(null);
  const onKeyDown = (e: KeyboardEvent) => {
    if (count === 0) return;
    const cur = active ?? -1;
    const next: Record<string, number | null> = {
      ArrowRight: Math.min(count - 1, cur + 1),
      ArrowDown: Math.min(count - 1, cur + 1),
      ArrowLeft: Math.max(0, cur - 1),
      ArrowUp: Math.max(0, cur - 1),
      Home: 0,
      End: count - 1,
      Escape: null,
    };
    if (e.key in next) {
      e.preventDefault();
      setActive(next[e.key]);
    }
  };
  return { active, setActive, onKeyDown };
}
