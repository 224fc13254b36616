import { describe, expect, it } from "vitest";
import { BreakerOpenError, CallTimeoutError, CircuitBreaker } from "../../workers/shared/circuit-breaker.js";

const options = { failureThreshold: 3, callTimeoutMs: 20, cooldownMs: 1000, halfOpenProbes: 2 };

function breakerAt() {
  const clock = { nowMs: 0 };
  return { breaker: new CircuitBreaker(options, () => clock.nowMs), clock };
}
const fail = () => Promise.reject(new Error("down"));
const succeed = () => Promise.resolve("ok");
const hang = () => new Promise<string>(() => undefined);

async function tripOpen(breaker: CircuitBreaker) {
  for (let i = 0; i < options.failureThreshold; i += 1) await expect(breaker.call(fail)).rejects.toThrow("down");
}

describe("CircuitBreaker", () => {
  it("opens after consecutive failures and then refuses without calling", async () => {
    const { breaker } = breakerAt();
    await expect(breaker.call(fail)).rejects.toThrow("down");
    await expect(breaker.call(fail)).rejects.toThrow("down");
    expect(breaker.state).toBe("closed");
    await expect(breaker.call(fail)).rejects.toThrow("down");
    expect(breaker.state).toBe("open");
    let called = false;
    const refusal = await breaker.call(async () => ((called = true), "x")).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(BreakerOpenError);
    expect((refusal as BreakerOpenError).retryAfterSeconds).toBe(1);
    expect(called).toBe(false);
  });

  it("counts a timeout as a failure and never waits past the deadline", async () => {
    const { breaker } = breakerAt();
    await expect(breaker.call(hang)).rejects.toBeInstanceOf(CallTimeoutError);
    await expect(breaker.call(hang)).rejects.toBeInstanceOf(CallTimeoutError);
    await expect(breaker.call(hang)).rejects.toBeInstanceOf(CallTimeoutError);
    expect(breaker.state).toBe("open");
  });

  it("counts a returned failure value as a failure", async () => {
    const { breaker } = breakerAt();
    for (let i = 0; i < 3; i += 1)
      await breaker.call(
        async () => "internal_error",
        (value) => value === "internal_error",
      );
    expect(breaker.state).toBe("open");
  });

  it("a success resets the count of consecutive failures", async () => {
    const { breaker } = breakerAt();
    await expect(breaker.call(fail)).rejects.toThrow();
    await expect(breaker.call(fail)).rejects.toThrow();
    await breaker.call(succeed);
    await expect(breaker.call(fail)).rejects.toThrow();
    expect(breaker.state).toBe("closed");
  });

  it("goes half-open after the cool-down and closes on a successful probe", async () => {
    const { breaker, clock } = breakerAt();
    await tripOpen(breaker);
    clock.nowMs += 999;
    expect(breaker.state).toBe("open");
    clock.nowMs += 1;
    expect(breaker.state).toBe("half_open");
    expect(await breaker.call(succeed)).toBe("ok");
    expect(breaker.state).toBe("closed");
  });

  it("re-opens when a half-open probe fails", async () => {
    const { breaker, clock } = breakerAt();
    await tripOpen(breaker);
    clock.nowMs += 1000;
    await expect(breaker.call(fail)).rejects.toThrow("down");
    expect(breaker.state).toBe("open");
  });

  it("lets only a bounded number of probes through while half-open", async () => {
    const { breaker, clock } = breakerAt();
    await tripOpen(breaker);
    clock.nowMs += 1000;
    let release: (value: string) => void = () => undefined;
    const slow = () => new Promise<string>((resolve) => (release = resolve));
    const probes = [breaker.call(slow), breaker.call(slow)];
    await expect(breaker.call(succeed)).rejects.toBeInstanceOf(BreakerOpenError);
    release("done");
    await Promise.allSettled(probes);
  });
});
