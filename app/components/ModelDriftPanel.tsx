import type { DriftResponse, ModelDrift } from "../../contract/models";
import { baselineText, formatPValue, ruleText, versionLabel } from "../lib/drift";
import { formatNumber, formatRange } from "../lib/format";
import { eventTypeColumns, eventTypeRows } from "../lib/tables";
import { ConfidenceHistogram } from "./ConfidenceHistogram";
import { DataTable } from "./DataTable";
import { MetricList } from "./MetricList";

/**
 * Per model version: confidence and event mix against the baseline, and whether it drifted.
 * `exportSearch` (the window's query string) adds CSV links to the tables, under `exportBase` (the
 * site's path, `/sites/<id>`).
 */
export function ModelDriftPanel(props: { drift: DriftResponse; timeZone: string; exportSearch?: string; exportBase?: string }) {
  const { drift, timeZone } = props;
  const flagged = drift.models.filter((m) => m.flagged).length;
  return (
    <section className="drift-panel" aria-labelledby="drift-title" data-testid="drift-panel">
      <h2 id="drift-title">Model drift</h2>
      <p className="muted">
        Each model version's detection confidence in this window, compared with the baseline{" "}
        <span data-testid="drift-baseline">{formatRange(drift.baseline_window.start, drift.baseline_window.end, timeZone)}</span> by a
        two-sample Kolmogorov-Smirnov test: D is the largest gap between the two confidence distributions, {ruleText(drift.rule)}. A
        version with at least {drift.rule.min_baseline_events} events in the baseline is compared with its own; a newer one with
        everything the site saw in the baseline.
      </p>
      {drift.models.length === 0 ? (
        <p className="empty" data-testid="drift-empty">
          No events in this window, so no model version to compare. Pick another window above.
        </p>
      ) : (
        <>
          <p data-testid="drift-summary">
            {drift.models.length} model version(s) in this window;{" "}
            {flagged === 0 ? "none flagged." : <strong>{flagged} flagged for drift.</strong>}
          </p>
          {drift.models.map((m) => (
            <VersionCard key={m.model_version ?? ""} model={m} rule={drift.rule} timeZone={timeZone} exportSearch={props.exportSearch} exportBase={props.exportBase} />
          ))}
        </>
      )}
    </section>
  );
}

function VersionCard(props: { model: ModelDrift; rule: DriftResponse["rule"]; timeZone: string; exportSearch?: string; exportBase?: string }) {
  const { model: m, rule } = props;
  const name = versionLabel(m.model_version);
  const hasBaseline = m.baseline.events > 0;
  // The export names versions as the page does; "(no version)" selects events without one.
  const csv = (table: string) =>
    props.exportSearch === undefined ? undefined : `${props.exportBase ?? ""}/export/${table}?id=${encodeURIComponent(name)}&${props.exportSearch}`;
  return (
    <article className={`drift-card${m.flagged ? " drift-flagged" : ""}`} aria-label={`Model version ${name}`} data-testid="drift-model" data-version={name}>
      <h3>
        {name}{" "}
        {m.flagged ? (
          <span className="badge flag" data-testid="drift-flag">
            Drift flagged
          </span>
        ) : m.ks ? (
          <span className="badge">No drift</span>
        ) : (
          <span className="badge warn">No baseline</span>
        )}
      </h3>
      <p className="muted">Compared with {baselineText(m, rule)}.</p>
      <MetricList
        label={`Drift figures of ${name}`}
        items={[
          { label: "Events", value: formatNumber(m.window.events), testId: "drift-events" },
          { label: "Mean confidence", value: formatNumber(m.window.mean_confidence, 3), testId: "drift-mean" },
          { label: "Baseline mean", value: formatNumber(m.baseline.mean_confidence, 3) },
          { label: "KS statistic D", value: formatNumber(m.ks?.d, 3), testId: "drift-d" },
          { label: "p-value", value: formatPValue(m.ks?.p_value), testId: "drift-p" },
        ]}
      />
      <div className="drift-figures">
        <ConfidenceHistogram
          title={`Confidence of ${name}: window${hasBaseline ? " vs baseline" : ""}`}
          modelVersion={m.model_version}
          window={m.window.histogram}
          baseline={hasBaseline ? m.baseline.histogram : null}
          timeZone={props.timeZone}
          csvHref={csv("model-confidence-histogram")}
        />
        <DataTable
          caption="Event types"
          rows={eventTypeRows(m)}
          columns={eventTypeColumns}
          timeZone={props.timeZone}
          rowKey={(r) => r.type}
          csvHref={csv("model-event-types")}
          testId="drift-types"
        />
      </div>
    </article>
  );
}
