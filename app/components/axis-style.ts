/** The look every chart axis shares; colours come from the theme's CSS variables. */
export const axisStyle = {
  stroke: "var(--axis)",
  tickStroke: "var(--axis)",
  tickLabelProps: { fill: "var(--muted)", fontSize: 11 },
};
