import { describe, expect, it } from "vitest";
import { SdkRecorder } from "../support/sdk-recorder.js";
import { connectSdk, signedUpSdkUser } from "../support/workerd-sdk.js";

describe("the SDK's cancel(runId)", () => {
  it("stops a running run, which ends as cancelled; while not connected it sends nothing and says so", async () => {
    const auth = await signedUpSdkUser("Canceller");
    const recorder = new SdkRecorder(10_000);
    const connection = connectSdk(auth, recorder);
    await recorder.state("open");
    const id = connection.send("[waits] a long job");
    const runId = (await recorder.frame("agent_started", id)).payload.run_id;
    expect(connection.cancel(runId)).toBe(true);
    const completed = await recorder.frame("agent_completed", id);
    expect(completed.payload).toMatchObject({ run_id: runId, status: "cancelled", reason: "cancel_run" });
    connection.close();
    expect(connection.cancel(runId)).toBe(false);
  });
});
