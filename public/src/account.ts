/**
 * @module
 * The account parts of the demo page: the banner that asks to confirm the email address (with the
 * dev mailbox's link in development), the list of sessions with a sign-out for each other device,
 * and the links a mail carries — `#verify_email=` and `#reset_password=` — with the reset form.
 */
import { TetherApiError, type AuthClient, type SessionSummary } from "@tether/client";
import { byId, element, show } from "./dom.js";

/** What the page shows when something happens here. */
export interface Feedback {
  error(message: string | null): void;
  notice(message: string | null): void;
}

function describe(error: unknown): string {
  if (error instanceof TetherApiError) return error.message;
  return error instanceof Error ? error.message : "Something went wrong.";
}

/** A short name for a browser, from its user agent (a hint, not an identity). */
function deviceName(userAgent: string | null): string {
  if (!userAgent) return "Unknown device";
  const browser = /(Firefox|Edg|Chrome|Safari)\/[\d.]+/.exec(userAgent)?.[1]?.replace("Edg", "Edge") ?? "A browser";
  // Most specific first: an Android user agent also says Linux, an iPhone's also Mac OS X.
  const system =
    ["Android", "iPhone", "Windows", "Mac OS X", "Linux"].find((name) => userAgent.includes(name))?.replace("Mac OS X", "macOS") ?? "";
  return system ? `${browser} on ${system}` : browser;
}

export class AccountPanel {
  private devMailbox = false;

  constructor(
    private readonly auth: AuthClient,
    private readonly feedback: Feedback,
  ) {
    byId("resend-verification").addEventListener("click", () => void this.resendVerification());
    void this.detectDevMailbox();
  }

  /** Signed in: the verification banner if the address is not proved yet, and the sessions. */
  async show(): Promise<void> {
    const session = await this.auth.session();
    if (!session) return this.hide();
    show("verify-banner", !session.user.email_verified);
    const mailbox = byId<HTMLAnchorElement>("dev-mailbox");
    mailbox.href = `/auth/dev/mailbox?email=${encodeURIComponent(session.user.email)}`;
    mailbox.hidden = !this.devMailbox;
    await this.listSessions();
  }

  hide(): void {
    show("verify-banner", false);
    show("sessions", false);
  }

  async listSessions(): Promise<void> {
    let sessions: SessionSummary[];
    try {
      sessions = await this.auth.sessions();
    } catch {
      return show("sessions", false);
    }
    byId("session-list").replaceChildren(...sessions.map((session) => this.sessionItem(session)));
    show("sessions", true);
  }

  private sessionItem(session: SessionSummary): HTMLLIElement {
    const item = element("li", "");
    item.dataset.sessionId = session.id;
    item.append(
      element("span", "device", deviceName(session.user_agent)),
      element("span", "seen", `last active ${new Date(session.last_activity).toLocaleString()}`),
    );
    if (session.current) {
      item.append(element("span", "current", "this device"));
      return item;
    }
    const signOut = element("button", "", "Sign out");
    signOut.type = "button";
    signOut.setAttribute("aria-label", `Sign out ${deviceName(session.user_agent)}`);
    signOut.addEventListener("click", () => {
      this.auth
        .revokeSession(session.id)
        .then(() => this.listSessions())
        .catch((error: unknown) => this.feedback.error(describe(error)));
    });
    item.append(signOut);
    return item;
  }

  private async resendVerification(): Promise<void> {
    try {
      const status = await this.auth.requestEmailVerification();
      this.feedback.notice(status === "sent" ? "We sent you another link." : "Your email address is already confirmed.");
    } catch (error) {
      this.feedback.error(describe(error));
    }
  }

  /** In development the mail stays in a mailbox on this machine: the banner links to it. */
  private async detectDevMailbox(): Promise<void> {
    const health = await fetch("/health")
      .then((response) => response.json() as Promise<{ environment?: string }>)
      .catch(() => null);
    this.devMailbox = health?.environment === "development";
  }

  /**
   * A mail's link, opened: confirms the address, or opens the reset form. Returns whether the
   * fragment was one of these (the caller clears it from the address bar either way).
   */
  async openMailLink(fragment: URLSearchParams): Promise<boolean> {
    const verify = fragment.get("verify_email");
    if (verify) {
      try {
        await this.auth.verifyEmail(verify);
        this.feedback.notice("Your email address is confirmed.");
      } catch (error) {
        this.feedback.error(describe(error));
      }
      return true;
    }
    const reset = fragment.get("reset_password");
    if (reset) {
      this.openResetForm(reset);
      return true;
    }
    return false;
  }

  private openResetForm(token: string): void {
    show("reset", true);
    const form = byId<HTMLFormElement>("reset-password");
    form.addEventListener(
      "submit",
      (event) => {
        event.preventDefault();
        const password = String(new FormData(form).get("password") ?? "");
        this.auth
          .resetPassword(token, password)
          .then(() => {
            show("reset", false);
            form.reset();
            this.feedback.notice("Your password is changed, and every session signed out. Sign in with the new one.");
          })
          .catch((error: unknown) => {
            this.feedback.error(describe(error));
            // The token is not spent when a password is refused: the form stays for another try.
            this.openResetForm(token);
          });
      },
      { once: true },
    );
  }

  /** The forgot-password form: the same answer whatever the address. */
  async requestReset(email: string): Promise<void> {
    await this.auth.requestPasswordReset(email);
    this.feedback.notice("If an account has this address, a mail with a reset link is on its way.");
  }
}
