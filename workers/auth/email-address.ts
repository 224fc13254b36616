/**
 * @module
 * What an email address is to Tether (docs/protocol.md): the form it is stored and mailed in, and the key
 * two addresses are compared by. The key never merges two mailboxes: the domain becomes its IDNA
 * A-label exactly as the WHATWG URL parser gives it (UTS #46, non-transitional), and the local part
 * is NFC with only the ASCII letters lower-cased. Nothing else is folded — `v@maıl.test` (dotless ı)
 * is not `v@mail.test`, `straße.de` is not `strasse.de` — because each of those is another domain
 * someone else can own, and folding them would hand one person's mailbox to another.
 *
 * Pure: no bindings, so the schemas, the provider sign-in and the renormalisation job share it.
 */

/** RFC 5321's limit on a forward path, the longest address a mail server takes. */
export const MAX_EMAIL_LENGTH = 254;

/** Control and format characters (NUL, zero-width joiners, bidi overrides…): an address hiding what it is. */
const INVISIBLE = /\p{C}/u;

/**
 * Refused in a domain before it reaches the URL parser, which would otherwise read them as the end
 * of the host (`/?#:@\`), an IPv6 literal (`[]`) or a percent-escape it decodes into another
 * domain (`ex%41mple.com` → `example.com`).
 */
const NOT_IN_A_DOMAIN = /[\s/\\?#@:%[\]<>^|"]/u;

/** Labels, at least two, none empty: refuses `mail..test` and the trailing dot of `mail.test.`. */
const DOTTED_HOSTNAME = /^[^.]+(\.[^.]+)+$/u;

/**
 * A hostname of digits and dots is what the URL parser makes of an IPv4 address, which it also
 * rewrites (`0x7f.1` → `127.0.0.1`): not a domain a mailbox lives under, so refused.
 */
const IPV4_HOSTNAME = /^[\d.]+$/u;

export type EmailProblem = "too_long" | "invisible" | "malformed" | "invalid_domain";

/** What the API says about each problem (400 `validation_failed`). */
export const EMAIL_PROBLEM_MESSAGES: Record<EmailProblem, string> = {
  too_long: `must be at most ${MAX_EMAIL_LENGTH} characters`,
  invisible: "must not contain control or invisible characters",
  malformed: "must be a valid email address",
  invalid_domain: "must be a valid email address: its domain is not a valid domain name",
};

/** An address as stored and mailed: trimmed, in NFC, and otherwise exactly as typed. */
export function canonicalEmail(email: string): string {
  return email.trim().normalize("NFC");
}

export type EmailKeyResult = { ok: true; key: string } | { ok: false; problem: EmailProblem };

/** The comparison key of an address, or why it has none (and so is refused). */
export function emailKeyOf(email: string): EmailKeyResult {
  const address = canonicalEmail(email);
  if (address.length > MAX_EMAIL_LENGTH) return { ok: false, problem: "too_long" };
  if (INVISIBLE.test(address)) return { ok: false, problem: "invisible" };
  const at = address.lastIndexOf("@");
  if (at <= 0 || at === address.length - 1) return { ok: false, problem: "malformed" };
  const domain = domainKey(address.slice(at + 1));
  if (domain === null) return { ok: false, problem: "invalid_domain" };
  // Only A–Z: `toLowerCase` would also fold letters like `İ` or `Σ`, which other mailboxes may use.
  const local = address.slice(0, at).replace(/[A-Z]+/gu, (letters) => letters.toLowerCase());
  return { ok: true, key: `${local}@${domain}` };
}

/**
 * Why an address as it came in (typed, or from a provider) is refused, or null: the checks of the
 * key above, plus the ones on the raw text — a control character trimming would drop still says
 * the sender is hiding something.
 */
export function emailProblem(email: string): EmailProblem | null {
  if (email.length > MAX_EMAIL_LENGTH) return "too_long";
  if (INVISIBLE.test(email)) return "invisible";
  const result = emailKeyOf(email);
  return result.ok ? null : result.problem;
}

/** The key, or null for an address that has none. */
export function emailKey(email: string): string | null {
  const result = emailKeyOf(email);
  return result.ok ? result.key : null;
}

function domainKey(domain: string): string | null {
  if (NOT_IN_A_DOMAIN.test(domain)) return null;
  let hostname: string;
  try {
    hostname = new URL(`http://${domain}`).hostname;
  } catch {
    return null;
  }
  if (!DOTTED_HOSTNAME.test(hostname) || IPV4_HOSTNAME.test(hostname)) return null;
  return hostname;
}
