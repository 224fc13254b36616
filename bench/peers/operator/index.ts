import type { AuthServiceApi } from "../../../workers/shared/rpc.js";

interface OperatorEnv {
  AUTH: AuthServiceApi;
  OPERATOR_ID: string;
  OPERATOR_SECRET: string;
}

/** The service token, reused until shortly before it expires (as any service caller would). */
let grant: { token: string; expiresAtMs: number } | null = null;

async function serviceToken(env: OperatorEnv): Promise<string> {
  if (grant && grant.expiresAtMs - 30_000 > Date.now()) return grant.token;
  const issued = await env.AUTH.issueServiceToken(env.OPERATOR_ID, env.OPERATOR_SECRET);
  if (!issued.ok) throw new Error(`service token refused: ${issued.error.code}`);
  grant = { token: issued.value.access_token, expiresAtMs: Date.now() + issued.value.expires_in * 1000 };
  return grant.token;
}

/** `POST /bench-operator/disable/<user id>` → the auth Worker's answer, as JSON. */
export default {
  async fetch(request: Request, env: OperatorEnv): Promise<Response> {
    const userId = new URL(request.url).pathname.match(/^\/bench-operator\/disable\/([^/]{1,128})$/)?.[1];
    if (request.method !== "POST" || !userId) return new Response("Not found", { status: 404 });
    const answer = await env.AUTH.disableUser(await serviceToken(env), decodeURIComponent(userId));
    return Response.json(answer, { status: answer.ok ? 200 : 400 });
  },
} satisfies ExportedHandler<OperatorEnv>;
