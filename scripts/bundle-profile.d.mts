// Types for bundle-profile.mjs, so the benchmark (TypeScript) can call it.
export interface BundleBudget {
  worker: string;
  config: string;
  gzipBudgetBytes: number;
}
export interface BundleProfile {
  worker: string;
  /** What the upload holds (its .js/.mjs/.wasm modules), raw. */
  bytes: number;
  /** The same, each module gzipped at level 9. */
  gzipBytes: number;
  gzipBudgetBytes: number;
  /** Bytes in the script by npm package, or `(own) <folder>` for our sources; heaviest first. */
  packages: Array<{ name: string; bytes: number }>;
  /** Bytes in the script by input file, by its path from the repository root. */
  inputs: Map<string, number>;
}
export const BUNDLE_BUDGETS: BundleBudget[];
export function packageOf(inputPath: string): string;
export function bundleProfile(budget: BundleBudget): BundleProfile;
export function bundleProfiles(): BundleProfile[];
