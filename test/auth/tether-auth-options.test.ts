import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { tetherAuth, type Mailer, type OutgoingMail } from "@tether/auth";
import { authSetup } from "../../workers/auth/auth-setup.js";
import { authContext } from "../../workers/auth/context.js";
import { mailerFor } from "../../workers/auth/mail/mailer.js";
import { configError } from "../support/config-error.js";

/** An app's auth options are checked when the Worker starts, and reach the code they configure. */

describe("tetherAuth(options) at start-up", () => {
  it.each([
    ["a provider of no known type", { providers: { okta: { type: "saml", client_id: "x" } } }, "providers.okta.type"],
    ["a provider without its client id", { providers: { google: { type: "google" } } }, "providers.google.client_id"],
    ["a provider id a URL cannot hold", { providers: { "Bad Id": { type: "google", client_id: "x" } } }, "providers.Bad Id"],
    ["a mailer that is not a function", { mailer: { send: () => "sent" } }, "mailer"],
    ["a password policy below the floor", { passwordPolicy: { minLength: 6 } }, "passwordPolicy.minLength"],
    ["a password policy above the cap", { passwordPolicy: { minLength: 500 } }, "passwordPolicy.minLength"],
    ["a setting out of bounds", { settings: { accessTokenTtlSeconds: 0 } }, "settings.accessTokenTtlSeconds"],
    ["an unknown setting", { settings: { tokenLifetime: 60 } }, "settings.tokenLifetime"],
  ])("throws a TetherConfigError naming the option for %s", (_case, options, option) => {
    const error = configError(() => tetherAuth(options as Parameters<typeof tetherAuth>[0]));
    expect(error.option).toBe(option);
    expect(error.message).toContain(`option ${option}:`);
  });

  it("gives the app's settings, providers and password policy to the config, a var still winning", () => {
    const setup = authSetup({
      providers: { google: { type: "google", client_id: "1234.apps.googleusercontent.com" } },
      passwordPolicy: { minLength: 12 },
      settings: { accessTokenTtlSeconds: 600, maxSessionsPerUser: 5 },
    });
    // This project's config sets every var; an app's sets none, and its options are the defaults.
    const vars = { ...env, OAUTH_PROVIDERS: "", ACCESS_TOKEN_TTL_SECONDS: "", MAX_SESSIONS_PER_USER: "7" };
    const { config } = authContext(setup, vars);
    expect(config).toMatchObject({ accessTokenTtlSeconds: 600, maxSessionsPerUser: 7, passwordMinLength: 12 });
    expect(JSON.parse(config.oauthProviders)).toEqual({ google: { type: "google", client_id: "1234.apps.googleusercontent.com" } });
  });

  it("sends mail through the app's mailer outside development, and keeps it in the dev mailbox in development", async () => {
    const sent: OutgoingMail[] = [];
    const mailer: Mailer = { send: async (mail) => (sent.push(mail), "sent") };
    const setup = authSetup({ mailer: () => mailer });
    const mail: OutgoingMail = { kind: "verify_email", to: "ada@example.com", subject: "s", text: "t", token: "x", userId: "u" };
    expect(await mailerFor(env, authContext(setup, env, "public")).send(mail)).toBe("sent");
    expect(sent).toEqual([mail]);
    expect(await mailerFor(env, authContext(setup, env, "loopback")).send(mail)).toBe("kept_in_dev_mailbox");
    expect(sent).toHaveLength(1);
  });
});
