import { memo, useLayoutEffect, useMemo, useRef, useState, type MutableRefObject } from 'react';
import {
  Bar,
  LabelList,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  usePlotArea,
  useXAxisScale,
  XAxis,
  YAxis,
} from 'recharts';
import { formatScore } from '../../../../shared/format';
import type { CheckpointEvaluation } from '../../../../shared/types';
import { chosenCheckpoint, evaluationStore, pickCheckpoint } from '../../state/evaluation';
import {
  axisTicks,
  chartPoints,
  chosenAgainstBest,
  nearestPoint,
  type ChartPoint,
  type CheckpointRow,
} from './rows';

const PALETTE = ['#0ea5e9', '#f97316', '#22c55e', '#e11d48', '#a855f7', '#eab308', '#14b8a6', '#64748b'];
const score = (v: unknown) => (typeof v === 'number' ? formatScore(v) : '—');

/**
 * The chosen checkpoint's marker, drawn from the chart's own x scale. It reads the choice itself, so
 * choosing another checkpoint re-renders this line only, not the chart's hundreds of points.
 */
function ChosenMarker({ points, best }: { points: ChartPoint[]; best: number | undefined }) {
  const chosen = evaluationStore.use((s) => chosenCheckpoint(s)?.name ?? null);
  const scale = useXAxisScale();
  const area = usePlotArea();
  const x = points.find((p) => p.name === chosen)?.x;
  if (x === undefined || x === best || !scale || !area) return null;
  const px = scale(x);
  if (typeof px !== 'number' || !Number.isFinite(px)) return null;
  return (
    <g className="chart__chosen" aria-hidden="true">
      <line x1={px} x2={px} y1={area.y} y2={area.y + area.height} stroke="var(--accent)" strokeWidth={1.5} />
      <text x={px - 4} y={area.y + 12} textAnchor="end" fill="var(--accent)" fontSize={12}>
        chosen
      </text>
    </g>
  );
}

/** Keeps the chart's current x scale where the click handler can read it (it lives in the chart's store). */
function ScaleProbe({ scaleRef }: { scaleRef: MutableRefObject<((x: number) => unknown) | null> }) {
  const scale = useXAxisScale();
  useLayoutEffect(() => {
    scaleRef.current = scale ? (x: number) => scale(x) : null;
  }, [scale, scaleRef]);
  return null;
}

/** eval_accuracy (and any benchmarks the user adds) over steps; clicking a point picks that checkpoint. */
export const ProgressChart = memo(function ProgressChart({
  rows,
  benchmarks,
  best,
  label: benchmarkLabel,
}: {
  rows: CheckpointRow[];
  benchmarks: string[];
  best: string | null;
  label: (benchmark: string) => string;
}) {
  // null: chosen automatically, every benchmark while no checkpoint has eval_accuracy yet (so a running
  // evaluation draws its partial lines), none once eval_accuracy is there.
  const [picked, setShown] = useState<string[] | null>(null);
  const points = useMemo(() => chartPoints(rows, benchmarks), [rows, benchmarks]);
  const anyAccuracy = points.some((p) => p.eval_accuracy !== null);
  const shown = picked ?? (anyAccuracy ? [] : benchmarks);
  const bySteps = rows.every((r) => r.info.step !== null);
  const bestX = points.find((p) => p.name === best)?.x;
  const dots = points.length <= 60;
  const ticks = useMemo(() => axisTicks(points.map((p) => p.x)), [points]);
  const xScale = useRef<((x: number) => unknown) | null>(null);

  return (
    <figure
      className="chart"
      aria-label="eval_accuracy over training steps. Click a point to choose that checkpoint."
    >
      <figcaption className="chart__caption">
        <span>eval_accuracy over {bySteps ? 'steps' : 'checkpoints'}</span>
        <span className="chart__chips" role="group" aria-label="Benchmarks shown on the chart">
          {benchmarks.map((b) => (
            <button
              key={b}
              type="button"
              className="chip"
              aria-pressed={shown.includes(b)}
              onClick={() => setShown(shown.includes(b) ? shown.filter((x) => x !== b) : [...shown, b])}
            >
              {benchmarkLabel(b)}
            </button>
          ))}
        </span>
      </figcaption>
      <ResponsiveContainer width="100%" height={280}>
        <LineChart
          data={points}
          margin={{ top: 10, right: 20, bottom: 5, left: 0 }}
          onClick={(_state, event) => {
            // The chart's own active point follows the pointer a frame late: a click in the same frame as
            // the move would pick the point hovered before. The click's own position decides.
            // The chart's own surface (the legend's icons are svg surfaces too).
            const surface = (event.currentTarget as Element | null)
              ?.closest('.recharts-wrapper')
              ?.querySelector(':scope > svg.recharts-surface');
            const scale = xScale.current;
            if (!surface || !scale) return;
            const px = event.clientX - surface.getBoundingClientRect().left;
            const point = nearestPoint(points, px, (x) => {
              const v = scale(x);
              return typeof v === 'number' ? v : NaN;
            });
            if (point) pickCheckpoint(point.name);
          }}
          style={{ cursor: 'pointer' }}
        >
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis
            dataKey="x"
            type="number"
            domain={['dataMin', 'dataMax']}
            ticks={ticks}
            interval={0}
            stroke="var(--muted)"
            tick={{ fontSize: 12 }}
            label={bySteps ? undefined : { value: 'checkpoint #', position: 'insideBottomRight', offset: -2 }}
          />
          <YAxis
            stroke="var(--muted)"
            tick={{ fontSize: 12 }}
            domain={['auto', 'auto']}
            tickFormatter={(v: number) => formatScore(v)}
            width={56}
          />
          <Tooltip
            formatter={(value) => score(value)}
            labelFormatter={(_label, payload) => (payload[0]?.payload as ChartPoint | undefined)?.name ?? ''}
            contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border)' }}
          />
          <Legend />
          {bestX !== undefined && (
            <ReferenceLine
              x={bestX}
              stroke="var(--good)"
              strokeDasharray="4 4"
              label={{ value: 'best', fill: 'var(--good)', position: 'insideTopLeft', fontSize: 12 }}
            />
          )}
          <ChosenMarker points={points} best={bestX} />
          <ScaleProbe scaleRef={xScale} />
          <Line
            type="monotone"
            dataKey="eval_accuracy"
            name="eval_accuracy"
            stroke="var(--accent)"
            strokeWidth={2.5}
            dot={dots}
            activeDot={{ r: 6 }}
            connectNulls
            isAnimationActive={false}
          />
          {shown.map((b, i) => (
            <Line
              key={b}
              type="monotone"
              dataKey={b}
              name={benchmarkLabel(b)}
              stroke={PALETTE[i % PALETTE.length]}
              dot={dots}
              connectNulls
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
});

/** Per benchmark: the chosen checkpoint's score next to the best any checkpoint reached. */
export const ChosenVersusBestChart = memo(function ChosenVersusBestChart({
  benchmarks,
  checkpoints,
  chosen,
  label: benchmarkLabel,
}: {
  benchmarks: string[];
  checkpoints: CheckpointEvaluation[];
  chosen: CheckpointEvaluation | null;
  label: (benchmark: string) => string;
}) {
  // Where the chosen checkpoint is the best, one bar says so: a second, identical bar says nothing.
  const data = useMemo(
    () =>
      chosenAgainstBest(benchmarks, checkpoints, chosen).map((d) => {
        const isBest = d.chosen !== null && d.best !== null && d.chosen >= d.best;
        return {
          ...d,
          best: isBest ? null : d.best,
          label: benchmarkLabel(d.benchmark),
          chosenText: d.chosen === null ? '' : `${formatScore(d.chosen)}${isBest ? ' (best)' : ''}`,
          bestText: isBest || d.best === null ? '' : formatScore(d.best),
        };
      }),
    [benchmarks, checkpoints, chosen, benchmarkLabel],
  );
  return (
    <figure
      className="chart"
      aria-label={`Scores of ${chosen?.name ?? 'the chosen checkpoint'} against the best per benchmark`}
    >
      <figcaption className="chart__caption">
        <span>{chosen ? `${chosen.name} against the best per benchmark` : 'Best per benchmark'}</span>
      </figcaption>
      <ResponsiveContainer width="100%" height={Math.max(160, data.length * 30 + 50)}>
        <BarChart
          data={data}
          layout="vertical"
          margin={{ top: 5, right: 90, bottom: 5, left: 10 }}
          barGap={1}
        >
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" horizontal={false} />
          <XAxis
            type="number"
            stroke="var(--muted)"
            tick={{ fontSize: 12 }}
            tickFormatter={(v: number) => formatScore(v)}
          />
          <YAxis type="category" dataKey="label" width={170} stroke="var(--muted)" tick={{ fontSize: 12 }} />
          <Tooltip
            formatter={(value, name, item) =>
              name === 'Best'
                ? [`${score(value)} (${(item.payload as { bestBy: string | null }).bestBy ?? ''})`, name]
                : [score(value), name]
            }
            contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border)' }}
          />
          <Legend />
          <Bar
            dataKey="chosen"
            name={chosen?.name ?? 'Chosen'}
            fill="var(--accent)"
            isAnimationActive={false}
          >
            <LabelList dataKey="chosenText" position="right" fill="var(--text)" fontSize={12} />
          </Bar>
          <Bar dataKey="best" name="Best" fill="var(--good)" fillOpacity={0.55} isAnimationActive={false}>
            <LabelList dataKey="bestText" position="right" fill="var(--muted)" fontSize={12} />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
});
