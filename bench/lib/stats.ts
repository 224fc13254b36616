// Latencies go into an HDR histogram (microsecond resolution, 3 significant digits); each workload
// runs several times and reports the median of the runs' percentiles, and ratios between peers
// are taken run by run — the same run, the same machine state — then their median.
import * as hdr from "hdr-histogram-js";
import pLimit from "p-limit";

export class Latencies {
  private readonly histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });

  record(ms: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  /** The q-th percentile in milliseconds. */
  percentile(q: number): number {
    return this.histogram.getValueAtPercentile(q) / 1000;
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  summary(): Percentiles {
    return { p50: this.percentile(50), p99: this.percentile(99), max: this.histogram.maxValue / 1000, count: this.count };
  }
}

export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
  count: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Median over runs of one field. */
export function medianOf<T>(runs: T[], field: (run: T) => number): number {
  return median(runs.map(field));
}

/** The median over runs of `mine / theirs`, each ratio taken within one run. */
export function pairedRatio<T>(mine: T[], theirs: T[], field: (run: T) => number): number {
  return median(mine.map((run, index) => field(run) / field(theirs[index] ?? run)));
}

/** Runs `work` over `items` with at most `concurrency` in flight; results in input order. */
export function inPool<I, O>(items: I[], concurrency: number, work: (item: I, index: number) => Promise<O>): Promise<O[]> {
  const limit = pLimit(concurrency);
  return Promise.all(items.map((item, index) => limit(() => work(item, index))));
}
