// Flow (a): threads.create, then runs.stream with messages-tuple + values.
// Result: { thread, run_created, events, error }
import { collect, main, userMessage } from "./common.mjs";

await main(async ({ client, assistantId }) => {
  const thread = await client.threads.create({ metadata: { flow: "stream" } });
  let runCreated = null;
  const { events, error } = await collect(
    client.runs.stream(thread.thread_id, assistantId, {
      input: userMessage("hi"),
      streamMode: ["messages-tuple", "values"],
      onRunCreated: (meta) => {
        runCreated = meta;
      },
    }),
  );
  return { thread, run_created: runCreated, events, error };
});
