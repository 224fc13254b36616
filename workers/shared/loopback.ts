/**
 * @module
 * Loopback hosts: names only this machine can reach. Development features (dev login, the dev
 * mailbox, self-generated signing keys) answer only requests addressed to one of these, so a
 * Worker deployed with `ENVIRONMENT = "development"` by mistake still refuses them on its public
 * hostname — Cloudflare never routes a request for `localhost` to a deployed Worker.
 */

const LOOPBACK_NAMES = new Set(["localhost", "[::1]"]);
const IPV4_LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** `hostname` as `URL.hostname` spells it (IPv6 in brackets, no port). */
export function isLoopbackHostname(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return LOOPBACK_NAMES.has(host) || IPV4_LOOPBACK.test(host);
}

export function isLoopbackUrl(url: string | URL): boolean {
  try {
    return isLoopbackHostname(new URL(url).hostname);
  } catch {
    return false;
  }
}
