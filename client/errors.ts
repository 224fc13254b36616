import type { ErrorBody, ErrorCode } from "@tether/protocol";

/** An error answer of the Tether API: the typed `code` of its JSON error shape, and the status. */
export class TetherApiError extends Error {
  readonly code: ErrorCode | "network_error" | "unexpected_response";
  readonly status: number;

  constructor(code: TetherApiError["code"], message: string, status: number) {
    super(message);
    this.name = "TetherApiError";
    this.code = code;
    this.status = status;
  }

  static async from(response: Response): Promise<TetherApiError> {
    const body = (await response.json().catch(() => null)) as Partial<ErrorBody> | null;
    const error = body?.error;
    return error && typeof error.code === "string" && typeof error.message === "string"
      ? new TetherApiError(error.code, error.message, response.status)
      : new TetherApiError("unexpected_response", `HTTP ${response.status}`, response.status);
  }
}
