/**
 * @module
 * Strong sign-in on the demo page: "Sign in with a passkey" and the second factor's step when a
 * sign-in asks for a code; signed in, the security panel — the user's passkeys ("Add a passkey",
 * rename, remove) and two-factor settings (a QR code of the otpauth URI, drawn by the `qr`
 * library as an image, or the URI to copy; the recovery codes shown once; turning it off).
 */
import { TetherApiError, type AuthClient, type LoginResult, type PasskeySummary } from "@tether/client";
import { encodeQR } from "qr";
import { byId, element, show } from "./dom.js";

export interface SecurityFeedback {
  error(message: string | null): void;
  notice(message: string | null): void;
}

function describe(error: unknown): string {
  if (error instanceof TetherApiError && error.code === "reauth_required")
    return "For this, sign in again first (a recent sign-in is needed).";
  if (error instanceof TetherApiError) return error.message;
  return error instanceof Error ? error.message : "Something went wrong.";
}

const codeOf = (formId: string) => String(new FormData(byId<HTMLFormElement>(formId)).get("code") ?? "").trim();

export class SecurityPanel {
  private mfaToken: string | null = null;

  constructor(
    private readonly auth: AuthClient,
    private readonly feedback: SecurityFeedback,
    /** Called once a sign-in finished here (a passkey, or the second factor's code). */
    private readonly signedIn: () => Promise<void>,
  ) {
    byId("passkey-sign-in").addEventListener("click", () => void this.run(() => this.signInWithPasskey()));
    this.onSubmit("mfa-step", () => this.verifyCode());
    byId("add-passkey").addEventListener("click", () => void this.run(() => this.addPasskey()));
    byId("mfa-enroll").addEventListener("click", () => void this.run(() => this.enroll()));
    this.onSubmit("mfa-confirm", () => this.confirm());
    this.onSubmit("mfa-disable", () => this.disable());
    // Passkeys need WebAuthn: without it the button would only fail.
    show("passkey-sign-in", typeof window.PublicKeyCredential === "function");
  }

  /** A password or provider sign-in's outcome: signed in, or the form for the second factor's code. */
  async afterSignIn(result: LoginResult | null): Promise<void> {
    if (result?.mfaRequired) {
      this.mfaToken = result.mfaToken;
      show("mfa-step", true);
      byId<HTMLInputElement>("mfa-step-code").focus();
      return;
    }
    await this.signedIn();
  }

  /** Signed in: the passkeys and the two-factor state. */
  async show(): Promise<void> {
    show("mfa-step", false);
    show("security", true);
    await Promise.all([this.listPasskeys(), this.showMfaState()]);
  }

  hide(): void {
    show("security", false);
    for (const id of ["mfa-setup", "mfa-recovery", "mfa-disable"]) show(id, false);
  }

  private onSubmit(id: string, handler: () => Promise<void>): void {
    byId<HTMLFormElement>(id).addEventListener("submit", (event) => {
      event.preventDefault();
      void this.run(handler);
    });
  }

  private async run(action: () => Promise<void>): Promise<void> {
    this.feedback.error(null);
    try {
      await action();
    } catch (error) {
      this.feedback.error(describe(error));
    }
  }

  private async signInWithPasskey(): Promise<void> {
    await this.auth.signInWithPasskey();
    await this.signedIn();
  }

  private async verifyCode(): Promise<void> {
    if (!this.mfaToken) return;
    await this.auth.mfa.verify(this.mfaToken, codeOf("mfa-step"));
    this.mfaToken = null;
    byId<HTMLFormElement>("mfa-step").reset();
    await this.signedIn();
  }

  private async addPasskey(): Promise<void> {
    const passkey = await this.auth.passkeys.register();
    this.feedback.notice(`Added ${passkey.name}.`);
    await this.listPasskeys();
  }

  private async listPasskeys(): Promise<void> {
    let passkeys: PasskeySummary[];
    try {
      passkeys = await this.auth.passkeys.list();
    } catch {
      passkeys = [];
    }
    byId("passkey-list").replaceChildren(...passkeys.map((passkey) => this.passkeyItem(passkey)));
  }

  private passkeyItem(passkey: PasskeySummary): HTMLLIElement {
    const item = element("li", "");
    item.dataset.passkeyId = passkey.id;
    const used = passkey.last_used_at ? `last used ${new Date(passkey.last_used_at).toLocaleString()}` : "not used yet";
    const rename = element("button", "", "Rename");
    rename.type = "button";
    rename.addEventListener("click", () => {
      const name = window.prompt("A name for this passkey", passkey.name)?.trim();
      if (name) void this.run(async () => void (await this.auth.passkeys.rename(passkey.id, name), await this.listPasskeys()));
    });
    const remove = element("button", "", "Remove");
    remove.type = "button";
    remove.addEventListener(
      "click",
      () => void this.run(async () => void (await this.auth.passkeys.remove(passkey.id), await this.listPasskeys())),
    );
    item.append(element("span", "name", passkey.name), element("span", "seen", used), rename, remove);
    return item;
  }

  private async showMfaState(): Promise<void> {
    const state = await this.auth.mfa.status().catch(() => null);
    const on = state?.totp_enabled ?? false;
    byId("mfa-status").textContent = on
      ? `Two-factor sign-in is on; ${state?.recovery_codes_left ?? 0} recovery codes left.`
      : "Two-factor sign-in is off.";
    show("mfa-enroll", !on);
    show("mfa-disable", on);
  }

  private async enroll(): Promise<void> {
    const { otpauth_uri } = await this.auth.mfa.enroll();
    // A GIF data URL: the page's CSP allows data: images and no inline markup is parsed.
    byId<HTMLImageElement>("mfa-qr").src = encodeQR(otpauth_uri, "data-url");
    byId<HTMLInputElement>("mfa-uri").value = otpauth_uri;
    show("mfa-setup", true);
    byId<HTMLInputElement>("mfa-confirm-code").focus();
  }

  private async confirm(): Promise<void> {
    const { recovery_codes } = await this.auth.mfa.confirm(codeOf("mfa-confirm"));
    byId<HTMLFormElement>("mfa-confirm").reset();
    show("mfa-setup", false);
    byId<HTMLInputElement>("mfa-uri").value = "";
    byId("mfa-recovery-codes").replaceChildren(...recovery_codes.map((code) => element("li", "", code)));
    show("mfa-recovery", true);
    await this.showMfaState();
  }

  private async disable(): Promise<void> {
    await this.auth.mfa.disable(codeOf("mfa-disable"));
    byId<HTMLFormElement>("mfa-disable").reset();
    show("mfa-recovery", false);
    this.feedback.notice("Two-factor sign-in is off.");
    await this.showMfaState();
  }
}
