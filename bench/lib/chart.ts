// The latency chart of RESULTS.md: p50 and p99 per peer for each latency workload, drawn by
// vega-lite into an SVG file (no browser needed).
import * as vega from "vega";
import * as vl from "vega-lite";

export interface ChartPoint {
  workload: string;
  peer: string;
  percentile: "p50" | "p99";
  ms: number;
}

export async function latencyChartSvg(points: ChartPoint[]): Promise<string> {
  const spec = vl.compile({
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: "Latency by workload (median of runs; lower is better)", anchor: "start" },
    data: { values: points },
    facet: { column: { field: "workload", type: "nominal", title: null, header: { labelFontSize: 12, labelLimit: 0 } } },
    spec: {
      width: 170,
      height: 220,
      mark: { type: "bar", tooltip: true },
      encoding: {
        x: { field: "peer", type: "nominal", title: null, axis: { labelAngle: -30 } },
        xOffset: { field: "percentile", type: "nominal" },
        y: { field: "ms", type: "quantitative", title: "milliseconds" },
        color: { field: "percentile", type: "nominal", scale: { range: ["#2f6feb", "#f0883e"] }, title: null },
      },
    },
    // Each workload has its own peers and its own range of milliseconds.
    resolve: { scale: { x: "independent", xOffset: "independent", y: "independent" } },
    config: { font: "system-ui, sans-serif", background: "white" },
  }).spec;
  return new vega.View(vega.parse(spec), { renderer: "none" }).toSVG();
}
