/**
 * @module
 * The client a rate limit counts. An IPv4 address is one client; an IPv6 client is its /64 — the
 * prefix one subscriber is routed, within which they pick addresses freely (a limit per full
 * address would let one machine rotate through 2^64 of them).
 */

/** The rate-limit key of `CF-Connecting-IP`: the IPv4 address, or the IPv6 address's /64. */
export function rateLimitClient(address: string | undefined): string {
  if (!address) return "unknown";
  const trimmed = address.trim().toLowerCase();
  if (!trimmed.includes(":")) return trimmed.slice(0, 64);
  const groups = expandIpv6(trimmed);
  if (!groups) return trimmed.slice(0, 64);
  // An IPv4-mapped address (::ffff:a.b.c.d) is that IPv4 client.
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(":")}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (with :: and a dotted IPv4 tail), or null. */
function expandIpv6(address: string): number[] | null {
  let text = address;
  const dotted = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    if ([a, b, c, d].some((octet) => octet === undefined || octet > 255)) return null;
    text = `${text.slice(0, dotted.index)}${(((a ?? 0) << 8) | (b ?? 0)).toString(16)}:${(((c ?? 0) << 8) | (d ?? 0)).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string | undefined) => (part ? part.split(":") : []);
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (groups.length !== 8 || groups.some((group) => !/^[0-9a-f]{1,4}$/.test(group))) return null;
  return groups.map((group) => Number.parseInt(group, 16));
}
