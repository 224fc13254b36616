import { html } from "hono/html";

/**
 * The provider's sign-in page: whoever uses it says who they are. The authorization request rides
 * along in hidden fields and is validated again when the form comes back.
 */
export function consentPage(options: { action: string; clientId: string; request: Record<string, string>; providerName: string }) {
  const hidden = Object.entries(options.request).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`);
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Sign in — ${options.providerName}</title>
        <style>
          body {
            font:
              16px/1.5 system-ui,
              sans-serif;
            max-width: 26rem;
            margin: 3rem auto;
            padding: 0 1rem;
          }
          label {
            display: block;
            margin: 0.75rem 0 0.25rem;
          }
          input[type="email"],
          input[type="text"] {
            width: 100%;
            padding: 0.5rem;
            box-sizing: border-box;
          }
          .buttons {
            display: flex;
            gap: 0.5rem;
            margin-top: 1.25rem;
          }
          button {
            padding: 0.5rem 1rem;
          }
          .note {
            color: #555;
            font-size: 0.875rem;
          }
        </style>
      </head>
      <body>
        <main>
          <h1>${options.providerName}</h1>
          <p><strong>${options.clientId}</strong> asks who you are.</p>
          <p class="note">A local development provider: nothing is checked, nothing leaves this machine.</p>
          <form method="post" action="${options.action}">
            ${hidden}
            <label for="email">Email</label>
            <input id="email" name="email" type="email" required maxlength="254" autocomplete="email" autofocus />
            <label for="name">Name</label>
            <input id="name" name="name" type="text" maxlength="100" autocomplete="name" />
            <label><input name="email_verified" type="checkbox" value="true" checked /> The email is verified</label>
            <div class="buttons">
              <button type="submit" name="decision" value="approve">Sign in</button>
              <button type="submit" name="decision" value="deny" formnovalidate>Deny</button>
            </div>
          </form>
        </main>
      </body>
    </html>`;
}
