import { describe, expect, it } from "vitest";
import { ServiceTokenSource, type MintedServiceToken } from "../../workers/shared/service-token.js";

function fakeMinter() {
  let minted = 0;
  const mint = async (): Promise<MintedServiceToken> => {
    minted += 1;
    return { access_token: `token-${minted}`, expires_in: 300 };
  };
  return { mint, count: () => minted };
}

describe("ServiceTokenSource", () => {
  it("reuses one token until 30 s before it expires, then mints a new one", async () => {
    let nowMs = 1_000_000;
    const minter = fakeMinter();
    const source = new ServiceTokenSource(minter.mint, () => nowMs);
    expect(await source.get()).toBe("token-1");
    nowMs += 269_000;
    expect(await source.get()).toBe("token-1");
    nowMs += 1_000;
    expect(await source.get()).toBe("token-2");
    expect(minter.count()).toBe(2);
  });

  it("shares one mint between concurrent callers", async () => {
    const minter = fakeMinter();
    const source = new ServiceTokenSource(minter.mint);
    const tokens = await Promise.all([source.get(), source.get(), source.get()]);
    expect(tokens).toEqual(["token-1", "token-1", "token-1"]);
    expect(minter.count()).toBe(1);
  });

  it("mints again after invalidate()", async () => {
    const minter = fakeMinter();
    const source = new ServiceTokenSource(minter.mint);
    await source.get();
    source.invalidate();
    expect(await source.get()).toBe("token-2");
  });

  it("lets a failed mint be retried by the next caller", async () => {
    let fail = true;
    const source = new ServiceTokenSource(async () => {
      if (fail) throw new Error("auth down");
      return { access_token: "recovered", expires_in: 300 };
    });
    await expect(source.get()).rejects.toThrow("auth down");
    fail = false;
    expect(await source.get()).toBe("recovered");
  });
});
