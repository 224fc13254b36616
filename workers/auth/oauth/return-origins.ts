import { ApiError } from "../../shared/errors.js";

/**
 * Where a browser may be sent after a provider sign-in: `ALLOWED_RETURN_ORIGINS`, a comma- or
 * space-separated list of exact origins (`https://app.example`, `http://localhost:8787`) and
 * `https://*.suffix` patterns, where `*` is exactly one DNS label (preview deployments such as
 * `https://pr-7.tether-staging.pages.dev`). Everything else is an open redirect waiting to happen.
 */
export type OriginRule = { kind: "exact"; origin: string } | { kind: "wildcard"; suffix: string };

/** Stored with every sign-in start: an app's return URL needs no more. */
export const MAX_RETURN_TO_LENGTH = 512;

// A wildcard needs two labels after it, so `https://*.dev` cannot open a whole public suffix.
const WILDCARD = /^https:\/\/\*\.((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)$/;
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// Tabs and newlines are dropped by URL parsers (`java\tscript:`), backslashes become slashes:
// input that needs either is refused before parsing, not normalised into something else.
const SUSPICIOUS_CHARACTERS = /[\u0000-\u0020\u007f\\]/;

/** Parses the configured list; an entry that is neither form is skipped with a warning. */
export function parseAllowedOrigins(list: string): OriginRule[] {
  const rules: OriginRule[] = [];
  for (const entry of list.split(/[\s,]+/).filter(Boolean)) {
    const wildcard = WILDCARD.exec(entry.toLowerCase());
    if (wildcard?.[1]) {
      rules.push({ kind: "wildcard", suffix: wildcard[1] });
      continue;
    }
    const origin = exactOrigin(entry);
    if (origin) rules.push({ kind: "exact", origin });
    else console.warn("ALLOWED_RETURN_ORIGINS: skipped an entry that is not an origin or https://*.suffix pattern");
  }
  return rules;
}

function exactOrigin(entry: string): string | null {
  // URL parsers keep `*` in a host; a wildcard that is not of the one allowed form is a mistake.
  if (entry.includes("*")) return null;
  try {
    const url = new URL(entry);
    const plain = (url.protocol === "https:" || url.protocol === "http:") && url.username === "" && url.password === "";
    return plain && url.pathname === "/" && url.search === "" && url.hash === "" && !url.hostname.endsWith(".") ? url.origin : null;
  } catch {
    return null;
  }
}

function matches(url: URL, rule: OriginRule): boolean {
  if (rule.kind === "exact") return url.origin === rule.origin;
  if (url.protocol !== "https:" || url.port !== "") return false;
  const ending = `.${rule.suffix}`;
  return url.hostname.endsWith(ending) && DNS_LABEL.test(url.hostname.slice(0, -ending.length));
}

/** True when an `Origin` header names an allowed origin (CORS, the handoff). */
export function originAllowed(origin: string, rules: OriginRule[]): boolean {
  try {
    const url = new URL(origin);
    return url.origin === origin && rules.some((rule) => matches(url, rule));
  } catch {
    return false;
  }
}

const refuse = (why: string) => new ApiError("invalid_return_to", `return_to ${why}.`);

/**
 * The URL to send the browser back to, or a 400 `invalid_return_to`. Only absolute http(s) URLs
 * whose origin is allowed pass; no credentials (`https://allowed@evil`), no trailing-dot host, no
 * fragment (the handoff code goes there). Scheme and host compare case-insensitively, as browsers
 * do, so `HTTPS://App.Example/` is the same origin as `https://app.example/`.
 */
export function checkReturnTo(raw: string, rules: OriginRule[]): URL {
  if (raw.length > MAX_RETURN_TO_LENGTH) throw refuse(`is longer than ${MAX_RETURN_TO_LENGTH} characters`);
  if (SUSPICIOUS_CHARACTERS.test(raw)) throw refuse("contains whitespace, control characters or backslashes");
  if (!/^https?:\/\//i.test(raw)) throw refuse("must be an absolute http(s) URL");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse("is not a valid URL");
  }
  if (url.username !== "" || url.password !== "") throw refuse("must not carry credentials");
  if (url.hostname.endsWith(".")) throw refuse("must not end its host with a dot");
  if (raw.includes("#")) throw refuse("must not carry a fragment");
  if (!rules.some((rule) => matches(url, rule))) throw refuse("is not on an allowed origin");
  return url;
}
