import { describe, expect, it } from "vitest";
import { errorKind } from "../../workers/shared/request-log.js";

describe("errorKind", () => {
  it("names an error by its class, never its message", () => {
    const kind = errorKind(new TypeError("token eyJhbGciOi… is not valid"));
    expect(kind).toBe("TypeError");
  });

  it("names a thrown value that is not an Error by its type", () => {
    expect(errorKind("a secret")).toBe("string");
    expect(errorKind(undefined)).toBe("undefined");
  });
});
