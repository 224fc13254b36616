// What `npm run setup:*` cannot do for a team, read from the environment's sections: each item
// says what is left and the exact command (or the config line) that does it.

/** A provider's client-secret name: the rule of workers/auth/oauth/providers.ts (upper case, `-` → `_`). */
const clientSecretName = (providerId) => `OAUTH_CLIENT_SECRET_${providerId.toUpperCase().replaceAll("-", "_")}`;

/** The repository ships example hostnames (RFC 2606's `.example`): a team replaces them. */
const isExampleHost = (host) => /(^|\.)example$/.test(host.split("/")[0]);

function providersOf(vars) {
  try {
    return Object.entries(JSON.parse(vars.OAUTH_PROVIDERS || "{}"));
  } catch {
    return null;
  }
}

/**
 * The checklist, as items `{ done, title, lines }`: `lines` are what to do, commands indented.
 * @param {{ env: string, auth: object, backend: object, authSecrets: Set<string> | null }} setup
 */
export function personChecklist({ env, auth, backend, authSecrets }) {
  const items = [];
  const section = `[env.${env}]`;
  const hosts = [...backend.routes, ...auth.routes];

  // Hostnames and DNS: custom domains get their DNS records from the deploy, on zones of the account.
  items.push({
    done: false,
    title: `Hostnames: ${section} routes name ${backend.routes.join(", ") || "nothing"} (backend) and ${auth.routes.join(", ") || "nothing"} (auth Worker)`,
    lines: [
      ...(hosts.some(isExampleHost)
        ? [
            `Still the examples: put your hostnames in \`routes\` of ${backend.config} and ${auth.config}, and the origins`,
            "that follow: AUTH_ISSUER (both, the auth origin), ALLOWED_RETURN_ORIGINS, OAUTH_CALLBACK_ORIGIN, MAIL_LINK_ORIGIN.",
          ]
        : []),
      "Each must be on a zone of your Cloudflare account; a custom domain gets its DNS record when it deploys. Once deployed:",
      ...hosts.map((host) => `  curl -s https://${host}/health`),
    ],
  });

  // Mail: without a sender nothing is mailed, and sign-ups stay unverified.
  const from = auth.vars.MAIL_FROM ?? "";
  const domain = from.match(/@([^>\s]+)/)?.[1];
  const bound = auth.sendEmail.some((binding) => binding.name === "EMAIL");
  items.push(
    !domain
      ? {
          done: false,
          title: "Mail: MAIL_FROM is empty, so nothing is sent and new accounts stay unverified",
          lines: [`Set MAIL_FROM (and MAIL_LINK_ORIGIN) in ${section} of ${auth.config}, then come back to this item.`],
        }
      : {
          done: bound,
          title: bound ? `Mail: EMAIL is bound, sending from ${from}` : `Mail: nothing is sent until ${domain} can send and EMAIL is bound`,
          lines: bound
            ? [`Sign up once and see \`mail_sent\` in the logs:`, `  npx wrangler tail ${auth.name} --format json`]
            : [
                `Enable Email Sending for the domain (it adds the SPF, DKIM and DMARC records; its DNS must be on Cloudflare):`,
                `  npx wrangler email sending enable ${domain}`,
                `then bind it in ${section} of ${auth.config}:`,
                `  [[env.${env}.send_email]]`,
                `  name = "EMAIL"`,
              ],
        },
  );

  // Sign-in providers: the app registration and its secret live at the provider.
  const providers = providersOf(auth.vars);
  if (providers === null) {
    items.push({
      done: false,
      title: `Sign-in providers: OAUTH_PROVIDERS of ${section} is not valid JSON`,
      lines: [`Fix it in ${auth.config}.`],
    });
  }
  for (const [id, provider] of providers ?? []) {
    const secret = clientSecretName(id);
    const callback = `${auth.vars.OAUTH_CALLBACK_ORIGIN || "https://<your app's origin>"}/auth/oauth/${id}/callback`;
    const placeholder = String(provider.client_id ?? "").includes("REPLACE-ME");
    const secretPut = authSecrets?.has(secret) ?? false;
    items.push({
      done: !placeholder && secretPut,
      title: `Sign-in provider ${id} (${provider.type}): an app at the provider with the callback ${callback}`,
      lines: [
        ...(placeholder ? [`Put its client id in OAUTH_PROVIDERS of ${section} (${auth.config}); it says ${provider.client_id} now.`] : []),
        ...(secretPut
          ? [`${secret} is put.`]
          : [
              "Its client secret (unless it is a public client), typed at wrangler's prompt:",
              `  npx wrangler secret put ${secret} -c ${auth.config} --env ${env}`,
            ]),
      ],
    });
  }

  // Passkeys are bound to their relying party: a wrong RP ID strands every passkey made under it.
  if ("WEBAUTHN_RP_ID" in auth.vars || "WEBAUTHN_ORIGINS" in auth.vars) {
    const values = [auth.vars.WEBAUTHN_RP_ID, auth.vars.WEBAUTHN_ORIGINS].filter(Boolean).join(" ");
    items.push({
      done: false,
      title: `Passkeys: WEBAUTHN_RP_ID = "${auth.vars.WEBAUTHN_RP_ID ?? ""}", WEBAUTHN_ORIGINS = "${auth.vars.WEBAUTHN_ORIGINS ?? ""}"`,
      lines: [
        ...(values.split(/[\s,]+/).some((value) => isExampleHost(value.replace(/^https?:\/\//, "")))
          ? [`Still the examples: set them in ${section} of ${auth.config} to your app's host and origins.`]
          : []),
        "Choose them before the first passkey: a passkey works only under the RP ID it was made for.",
      ],
    });
  }

  items.push({
    done: false,
    title: "Deploy, auth Worker first, then the backend that binds to it",
    lines: [`  npm run ${env === "production" ? "deploy" : `deploy:${env}`}`],
  });
  return items;
}
