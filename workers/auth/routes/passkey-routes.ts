import { Hono } from "hono";
import { ApiError } from "../../shared/errors.js";
import { jsonBody } from "../../shared/http.js";
import { clientInfo, rateLimit, requireAccessKeys, requireUserSession, type AuthAppEnv } from "../middleware.js";
import { authenticateWithPasskey, authenticationOptions, registerPasskey, registrationOptions } from "../passkeys/ceremonies.js";
import { deletePasskey, passkeysOf, publicPasskey, renamePasskey } from "../passkeys/passkey-store.js";
import { relyingParty } from "../passkeys/relying-party.js";
import { requireRecentSignIn } from "../recent-sign-in.js";
import { PasskeyLoginBody, PasskeyRegisterBody, PasskeyRenameBody } from "../schemas.js";
import { startSession } from "../sessions.js";
import { findUserById } from "../users.js";
import { signedIn } from "./signed-in.js";

/**
 * Passkeys (docs/sign-in.md, Passkeys): a signed-in user (recently) registers them; anyone signs
 * in with one, no email typed; the user lists, renames and deletes their own.
 */
export const passkeyRoutes = new Hono<AuthAppEnv>();

passkeyRoutes.post("/passkeys/register/options", requireUserSession, requireRecentSignIn, rateLimit("passkey-options"), async (c) =>
  c.json(await registrationOptions(c.var.auth, relyingParty(c.env), c.var.access.user)),
);

passkeyRoutes.post("/passkeys/register", requireUserSession, requireRecentSignIn, jsonBody(PasskeyRegisterBody), async (c) => {
  const { response, name } = c.req.valid("json");
  const passkey = await registerPasskey(c.var.auth, relyingParty(c.env), c.var.access.user, response, name);
  return c.json({ passkey }, 201);
});

passkeyRoutes.post("/passkeys/login/options", rateLimit("passkey-options"), async (c) =>
  c.json(await authenticationOptions(c.var.auth, relyingParty(c.env))),
);

/**
 * A passkey with user verification is possession and a PIN or biometric at once, and cannot be
 * phished (the browser binds it to the origin): its sign-in asks for no second factor.
 */
passkeyRoutes.post("/passkeys/login", rateLimit("passkey-login"), requireAccessKeys, jsonBody(PasskeyLoginBody), async (c) => {
  const auth = c.var.auth;
  const { challenge_id, response } = c.req.valid("json");
  const passkey = await authenticateWithPasskey(auth, relyingParty(c.env), challenge_id, response);
  const user = await findUserById(auth.db, passkey.userId);
  if (!user) throw new ApiError("invalid_passkey", "The passkey was not accepted.");
  if (user.disabledAt !== null) throw new ApiError("account_disabled", "This account is disabled.");
  return signedIn(c, await startSession(auth, user, clientInfo(c), { amr: ["passkey"] }));
});

passkeyRoutes.get("/passkeys", requireUserSession, async (c) =>
  c.json({ passkeys: (await passkeysOf(c.var.auth, c.var.access.user.id)).map(publicPasskey) }),
);

const passkeyId = (id: string) => (id.length <= 64 ? id : "");

passkeyRoutes.patch("/passkeys/:id", requireUserSession, jsonBody(PasskeyRenameBody), async (c) =>
  c.json({
    passkey: await renamePasskey(c.var.auth, c.var.access.user.id, passkeyId(c.req.param("id")), c.req.valid("json").name),
  }),
);

passkeyRoutes.delete("/passkeys/:id", requireUserSession, requireRecentSignIn, async (c) => {
  await deletePasskey(c.var.auth, c.var.access.user.id, passkeyId(c.req.param("id")));
  return c.body(null, 204);
});
