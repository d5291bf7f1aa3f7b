// Flow (b): a message containing "approve" makes the graph interrupt; then the
// run is resumed with Command(resume="yes").
// Result: { thread, first: {events, error}, state_after_interrupt,
//           resume: {events, error}, final_state }
import { collect, main, userMessage } from "./common.mjs";

const MODES = ["messages-tuple", "values", "updates"];

await main(async ({ client, assistantId }) => {
  const thread = await client.threads.create({ metadata: { flow: "interrupt" } });
  const first = await collect(
    client.runs.stream(thread.thread_id, assistantId, {
      input: userMessage("please approve this"),
      streamMode: MODES,
    }),
  );
  const stateAfterInterrupt = await client.threads.getState(thread.thread_id);
  const threadAfterInterrupt = await client.threads.get(thread.thread_id);
  const resume = await collect(
    client.runs.stream(thread.thread_id, assistantId, {
      command: { resume: "yes" },
      streamMode: MODES,
    }),
  );
  const finalState = await client.threads.getState(thread.thread_id);
  const finalThread = await client.threads.get(thread.thread_id);
  return {
    thread,
    first,
    state_after_interrupt: stateAfterInterrupt,
    thread_after_interrupt: threadAfterInterrupt,
    resume,
    final_state: finalState,
    final_thread: finalThread,
  };
});
