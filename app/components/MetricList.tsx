/** Label/value pairs as a description list: readable by screen readers as such. */
export function MetricList(props: { items: { label: string; value: string; testId?: string }[]; label: string }) {
  return (
    <dl className="metrics-grid" aria-label={props.label}>
      {props.items.map((i) => (
        <div key={i.label}>
          <dt>{i.label}</dt>
          <dd data-testid={i.testId}>{i.value}</dd>
        </div>
      ))}
    </dl>
  );
}
