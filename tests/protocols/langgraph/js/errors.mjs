// Flow (e): how failures reach a client user.
//   boom:          runs.stream with a message containing "boom" (the node raises):
//                  the events the client yields (an "error" event, not a throw)
//   wait_boom:     runs.wait on the same: runs.wait throws "<error>: <message>"
//   missing_thread: threads.get on an unknown id: HTTPError status 404
//   reject_busy:   runs.create while another run of the thread is in flight, with
//                  multitaskStrategy "reject": HTTPError status 409
//   cancel:        runs.cancel of that in-flight run, then runs.join
// Result: one entry per case, each { events?, error?, value? }.
import { collect, describeError, main, userMessage } from "./common.mjs";

async function attempt(fn) {
  try {
    return { value: await fn(), error: null };
  } catch (e) {
    return { value: null, error: describeError(e) };
  }
}

await main(async ({ client, assistantId }) => {
  const thread = await client.threads.create({ metadata: { flow: "errors" } });
  const boom = await collect(
    client.runs.stream(thread.thread_id, assistantId, {
      input: userMessage("boom"),
      streamMode: ["messages-tuple", "values"],
    }),
  );
  const threadAfterBoom = await client.threads.get(thread.thread_id);
  const waitThread = await client.threads.create({ metadata: { flow: "errors-wait" } });
  const waitBoom = await attempt(() =>
    client.runs.wait(waitThread.thread_id, assistantId, { input: userMessage("boom") }),
  );
  const missingThread = await attempt(() =>
    client.threads.get("00000000-0000-4000-8000-000000000000"),
  );
  const busy = await client.threads.create({ metadata: { flow: "errors-busy" } });
  const first = await client.runs.create(busy.thread_id, assistantId, {
    input: userMessage("slow busy"),
  });
  const rejectBusy = await attempt(() =>
    client.runs.create(busy.thread_id, assistantId, {
      input: userMessage("hi"),
      multitaskStrategy: "reject",
    }),
  );
  const cancel = await attempt(() => client.runs.cancel(busy.thread_id, first.run_id));
  const joined = await attempt(() => client.runs.join(busy.thread_id, first.run_id));
  const cancelledRun = await attempt(() => client.runs.get(busy.thread_id, first.run_id));
  return {
    boom,
    thread_after_boom: threadAfterBoom,
    wait_boom: waitBoom,
    missing_thread: missingThread,
    reject_busy: rejectBusy,
    cancel,
    joined,
    cancelled_run: cancelledRun,
  };
});
