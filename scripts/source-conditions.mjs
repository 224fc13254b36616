// Our packages resolve to their TypeScript sources inside this repository: each package.json maps
// the `tether-source` export condition to its source entry, and dist/ (what a team installs) is
// the fallback. Every bundler run from here (esbuild, wrangler) adds the condition, so nothing
// needs a build of the packages first.
export const SOURCE_CONDITION = "tether-source";

/** wrangler's own conditions (workerd, worker, browser) with ours first: WRANGLER_BUILD_CONDITIONS replaces them. */
export const WRANGLER_SOURCE_ENV = { WRANGLER_BUILD_CONDITIONS: `${SOURCE_CONDITION},workerd,worker,browser` };
