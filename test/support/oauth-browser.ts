/**
 * @module
 * Plays the browser in a provider sign-in inside workerd: follows each redirect by hand (so tests
 * can look at, or tamper with, every hop), keeps the cookies the auth origin sets, and fills in the
 * local provider's sign-in form the way its HTML form would.
 */
import { sha256Base64Url } from "../../workers/shared/crypto.js";
import { freshClientIp, ORIGIN, type FetchTarget } from "./http.js";

/** Each handoff code a browser was sent back with, and the verifier of the app that started it. */
const verifierOfHandoff = new Map<string, string>();

export interface Person {
  email: string;
  name?: string;
  emailVerified?: boolean;
}

export const PROVIDER_ORIGIN = "http://localhost:8788";

export class SignInBrowser {
  private readonly cookies = new Map<string, string>();
  /** The app's verifier (docs/protocol.md): its hash goes with the start, itself with the handoff. */
  readonly verifier = randomVerifier();
  /** One client address per browser: sign-in starts are rate limited per address. */
  private readonly address = freshClientIp();

  constructor(
    private readonly auth: FetchTarget,
    private readonly provider: FetchTarget,
  ) {}

  /** The cookie header the auth origin would get; tests may drop or replace it. */
  get cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  clearCookies(): void {
    this.cookies.clear();
  }

  /** A GET on the auth Worker with this browser's cookies; redirects are not followed. */
  async visitAuth(url: string | URL): Promise<Response> {
    const response = await this.auth.fetch(String(url), {
      headers: { "CF-Connecting-IP": this.address, ...(this.cookies.size > 0 ? { Cookie: this.cookieHeader } : {}) },
      redirect: "manual",
    });
    // The app in this browser keeps its verifier for the code it is sent back with.
    const handoff = response.status === 303 ? new URLSearchParams(new URL(location(response)).hash.slice(1)).get("handoff") : null;
    if (handoff) verifierOfHandoff.set(handoff, this.verifier);
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const separator = pair?.indexOf("=") ?? -1;
      if (pair && separator > 0) this.cookies.set(pair.slice(0, separator), pair.slice(separator + 1));
    }
    return response;
  }

  /** The start URL as the app builds it: where to return, and the hash of its verifier. */
  async startUrl(provider = "dev", returnTo: string = `${ORIGIN}/app`): Promise<string> {
    const query = new URLSearchParams({ return_to: returnTo, handoff_challenge: await sha256Base64Url(this.verifier) });
    return `${ORIGIN}/auth/oauth/${provider}/start?${query.toString()}`;
  }

  /** GET /auth/oauth/:provider/start; returns the provider's authorization URL it redirects to. */
  async start(provider = "dev", returnTo: string = `${ORIGIN}/app`): Promise<URL> {
    const response = await this.visitAuth(await this.startUrl(provider, returnTo));
    if (response.status !== 302) throw new Error(`start answered ${response.status}: ${await response.text()}`);
    return new URL(location(response));
  }

  /** Shows the provider's form (GET), then submits it; returns where the provider sends the browser. */
  async decide(authorizeUrl: URL, decision: "approve" | "deny", person: Person): Promise<URL> {
    const page = await this.provider.fetch(authorizeUrl.toString(), { redirect: "manual" });
    if (page.status !== 200) throw new Error(`the provider refused the request: ${page.status} ${await page.text()}`);
    await page.text();
    const form = new URLSearchParams(authorizeUrl.searchParams);
    form.set("decision", decision);
    form.set("email", person.email);
    if (person.name) form.set("name", person.name);
    if (person.emailVerified !== false) form.set("email_verified", "true");
    const answer = await this.provider.fetch(`${authorizeUrl.origin}${authorizeUrl.pathname}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: form.toString(),
      redirect: "manual",
    });
    if (answer.status !== 302) throw new Error(`the provider's form answered ${answer.status}: ${await answer.text()}`);
    return new URL(location(answer));
  }

  /** The whole round trip up to the callback's answer (a redirect back to the app, or an error). */
  async signIn(
    person: Person,
    options: { provider?: string; returnTo?: string; tamper?: (authorize: URL) => void } = {},
  ): Promise<Response> {
    const authorizeUrl = await this.start(options.provider, options.returnTo);
    options.tamper?.(authorizeUrl);
    return this.visitAuth(await this.decide(authorizeUrl, "approve", person));
  }
}

export function location(response: Response): string {
  const target = response.headers.get("Location");
  if (!target) throw new Error(`no Location on a ${response.status}`);
  return target;
}

/** Where the callback sent the browser, and what it put in the fragment (`handoff`, or `error`). */
export function returnedTo(response: Response): { url: URL; fragment: URLSearchParams } {
  if (response.status !== 303) throw new Error(`expected a redirect back to the app, got ${response.status}`);
  const url = new URL(location(response));
  return { url, fragment: new URLSearchParams(url.hash.slice(1)) };
}

export function handoffCodeOf(response: Response): string {
  const { fragment } = returnedTo(response);
  const code = fragment.get("handoff");
  if (!code) throw new Error(`no handoff code; fragment: ${fragment.toString()}`);
  return code;
}

/** POST /auth/oauth/handoff, by default with the verifier of the app that started the sign-in. */
export function exchangeHandoff(
  target: FetchTarget,
  code: string,
  headers: Record<string, string> = {},
  verifier = verifierOfHandoff.get(code) ?? randomVerifier(),
): Promise<Response> {
  return target.fetch(`${ORIGIN}/auth/oauth/handoff`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "CF-Connecting-IP": freshClientIp(), ...headers },
    body: JSON.stringify({ code, verifier }),
  });
}

export function randomVerifier(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}
