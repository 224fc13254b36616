/**
 * @module
 * `@tether/auth`: the auth Worker — users, passwords, sessions, access and refresh tokens,
 * service tokens, provider sign-in — for an app to depend on (docs/sign-in.md, docs/deploy.md).
 */
export { tetherAuth, type TetherAuthApp } from "./tether-auth.js";
export type { TetherAuthOptions } from "./auth-setup.js";
export { TetherConfigError } from "../shared/config-error.js";
export { AUTH_SETTINGS, type AuthBindings } from "./config.js";
export type { Mailer, MailKind, MailOutcome, OutgoingMail } from "./mail/mail-types.js";
export type { ProviderSettingsInput } from "./oauth/providers.js";
