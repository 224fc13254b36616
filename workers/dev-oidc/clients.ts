import * as z from "zod";

/** The clients this provider knows, from the `CLIENTS` var (JSON). */
const ClientSchema = z.strictObject({
  client_id: z.string().min(1).max(128),
  /** Present for a confidential client (basic or post auth); absent for a public one (PKCE only). */
  client_secret: z.string().min(1).max(256).optional(),
  redirect_uris: z.array(z.url()).min(1),
});
export type RegisteredClient = z.infer<typeof ClientSchema>;

const ClientList = z.array(ClientSchema);

export function registeredClients(json: string): RegisteredClient[] {
  return ClientList.parse(JSON.parse(json));
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Exact match, except that a loopback redirect URI matches on any port, as RFC 8252 (section 7.3)
 * asks of providers: local servers pick their port at run time.
 */
export function redirectUriAllowed(client: RegisteredClient, requested: string): boolean {
  let asked: URL;
  try {
    asked = new URL(requested);
  } catch {
    return false;
  }
  return client.redirect_uris.some((registered) => {
    if (registered === requested) return true;
    const allowed = new URL(registered);
    if (!LOOPBACK_HOSTS.has(allowed.hostname) || asked.protocol !== "http:" || allowed.protocol !== "http:") return false;
    return (
      asked.hostname === allowed.hostname &&
      asked.pathname === allowed.pathname &&
      asked.search === allowed.search &&
      asked.username === "" &&
      asked.password === "" &&
      asked.hash === ""
    );
  });
}
