export declare const SOURCE_CONDITION: "tether-source";
export declare const WRANGLER_SOURCE_ENV: { WRANGLER_BUILD_CONDITIONS: string };
