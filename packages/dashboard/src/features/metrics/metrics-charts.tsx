import {
  Area,
  AreaChart,
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { MetricSample } from "../../api/types.js";
import { QueryError } from "../../components/page.js";
import { Spinner } from "../../components/spinner.js";
import { formatBytes } from "../../lib/format.js";
import type { MetricHistory, MetricPoint } from "./use-metric-history.js";

// SVG attributes cannot read CSS variables reliably: colours readable on light and dark.
const BLUE = "#4f74e8";
const GREEN = "#2e9e5b";
const ORANGE = "#d98a1c";
const GRID = "#8882";

const TIME = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});
const formatTime = (ms: number) => TIME.format(ms);

const axis = { fontSize: 11, fill: "#8a93a3" };
const bytesTick = (value: number) => formatBytes(value);

function ChartCard({
  title,
  summary,
  children,
}: {
  title: string;
  summary: string;
  children: React.ReactElement;
}) {
  return (
    <figure className="rounded-lg border border-line bg-surface p-3">
      <figcaption className="mb-2 flex flex-wrap items-baseline justify-between gap-2">
        <span className="text-sm font-semibold">{title}</span>
        <span className="text-xs text-muted tabular-nums">{summary}</span>
      </figcaption>
      <div className="h-44" aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          {children}
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

function summaries(latest: MetricSample | undefined, last: MetricPoint | undefined) {
  if (!latest)
    return {
      cpu: "no data yet",
      memory: "no data yet",
      network: "no data yet",
      disk: "no data yet",
    };
  return {
    cpu: `${latest.cpuUsedPct.toFixed(1)}% of ${latest.cpuCount} vCPU`,
    memory: `${formatBytes(latest.memoryUsedBytes)} of ${formatBytes(latest.memoryTotalBytes)}`,
    network:
      last?.rxBytesPerSec != null && last.txBytesPerSec != null
        ? `in ${formatBytes(last.rxBytesPerSec)}/s · out ${formatBytes(last.txBytesPerSec)}/s`
        : `in ${formatBytes(latest.netRxBytes)} · out ${formatBytes(latest.netTxBytes)} total`,
    disk: `${formatBytes(latest.diskUsedBytes)} of ${formatBytes(latest.diskTotalBytes)}`,
  };
}

/** Bytes used over time (memory, disk): the same chart with another series and colour. */
function usedBytesChart(
  points: MetricHistory["points"],
  xAxis: React.ReactNode,
  dataKey: "memoryUsedBytes" | "diskUsedBytes",
  color: string,
) {
  return (
    <AreaChart
      accessibilityLayer={false}
      data={points}
      margin={{ top: 4, right: 8, bottom: 0, left: -8 }}
    >
      <CartesianGrid stroke={GRID} vertical={false} />
      {xAxis}
      <YAxis tick={axis} tickFormatter={bytesTick} width={70} />
      <Tooltip
        labelFormatter={(ms) => formatTime(Number(ms))}
        formatter={(v) => [formatBytes(Number(v)), "Used"]}
      />
      <Area
        type="monotone"
        dataKey={dataKey}
        stroke={color}
        fill={color}
        fillOpacity={0.15}
        isAnimationActive={false}
      />
    </AreaChart>
  );
}

/** Charts of a history the detail page keeps, so it grows whichever tab is open. */
export function MetricsCharts({ history, live }: { history: MetricHistory; live: boolean }) {
  const { points, latest, error } = history;
  const text = summaries(latest, points.at(-1));
  const xAxis = (
    <XAxis
      dataKey="timeMs"
      type="number"
      domain={["dataMin", "dataMax"]}
      scale="time"
      tickFormatter={formatTime}
      tick={axis}
      minTickGap={40}
    />
  );
  return (
    <div className="flex flex-col gap-3">
      {!live && (
        <p className="rounded-md border border-line bg-surface p-3 text-sm text-muted">
          Metrics are sampled while the sandbox is running; the charts keep what was seen so far.
        </p>
      )}
      {error ? <QueryError error={error} /> : null}
      {live && points.length === 0 && !error && (
        <p role="status" className="flex items-center gap-2 text-sm text-muted">
          <Spinner /> Waiting for the first samples…
        </p>
      )}
      <div className="grid grid-cols-1 gap-3 lg:grid-cols-2">
        <ChartCard title="CPU" summary={text.cpu}>
          <AreaChart
            accessibilityLayer={false}
            data={points}
            margin={{ top: 4, right: 8, bottom: 0, left: -16 }}
          >
            <CartesianGrid stroke={GRID} vertical={false} />
            {xAxis}
            <YAxis
              tick={axis}
              domain={[0, (max: number) => Math.max(100, Math.ceil(max))]}
              unit="%"
            />
            <Tooltip
              labelFormatter={(ms) => formatTime(Number(ms))}
              formatter={(v) => [`${Number(v).toFixed(1)}%`, "CPU"]}
            />
            <Area
              type="monotone"
              dataKey="cpuPct"
              stroke={BLUE}
              fill={BLUE}
              fillOpacity={0.15}
              isAnimationActive={false}
            />
          </AreaChart>
        </ChartCard>
        <ChartCard title="Memory" summary={text.memory}>
          {usedBytesChart(points, xAxis, "memoryUsedBytes", GREEN)}
        </ChartCard>
        <ChartCard title="Network" summary={text.network}>
          <LineChart
            accessibilityLayer={false}
            data={points}
            margin={{ top: 4, right: 8, bottom: 0, left: -8 }}
          >
            <CartesianGrid stroke={GRID} vertical={false} />
            {xAxis}
            <YAxis tick={axis} tickFormatter={bytesTick} width={70} />
            <Tooltip
              labelFormatter={(ms) => formatTime(Number(ms))}
              formatter={(v, name) => [
                `${formatBytes(Number(v))}/s`,
                name === "rxBytesPerSec" ? "In" : "Out",
              ]}
            />
            <Line
              type="monotone"
              dataKey="rxBytesPerSec"
              stroke={BLUE}
              dot={false}
              isAnimationActive={false}
            />
            <Line
              type="monotone"
              dataKey="txBytesPerSec"
              stroke={ORANGE}
              dot={false}
              isAnimationActive={false}
            />
          </LineChart>
        </ChartCard>
        <ChartCard title="Disk" summary={text.disk}>
          {usedBytesChart(points, xAxis, "diskUsedBytes", ORANGE)}
        </ChartCard>
      </div>
    </div>
  );
}
