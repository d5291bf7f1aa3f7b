// Flow (d): thread reads. A thread gets one finished run (runs.wait), then:
// threads.search (by a unique metadata tag, and unfiltered with limit 2),
// threads.get, threads.getState, threads.getState(<older checkpoint id>),
// threads.getHistory({limit: 5}) and runs.list.
// Result: { thread, wait, search_by_tag, search_limit_2, thread_after, state,
//           older_state, history, runs }
import { main, userMessage } from "./common.mjs";

await main(async ({ client, assistantId }) => {
  const tag = `state-${Date.now()}-${Math.random().toString(16).slice(2)}`;
  const thread = await client.threads.create({ metadata: { flow: "state", tag } });
  const wait = await client.runs.wait(thread.thread_id, assistantId, {
    input: userMessage("hi"),
  });
  const searchByTag = await client.threads.search({ metadata: { tag } });
  const searchLimit2 = await client.threads.search({ limit: 2 });
  const threadAfter = await client.threads.get(thread.thread_id);
  const state = await client.threads.getState(thread.thread_id);
  const history = await client.threads.getHistory(thread.thread_id, { limit: 5 });
  const olderId = history[1]?.checkpoint?.checkpoint_id ?? null;
  const olderState = olderId ? await client.threads.getState(thread.thread_id, olderId) : null;
  const runs = await client.runs.list(thread.thread_id);
  return {
    thread,
    wait,
    search_by_tag: searchByTag,
    search_limit_2: searchLimit2,
    thread_after: threadAfter,
    state,
    older_checkpoint_id: olderId,
    older_state: olderState,
    history,
    runs,
  };
});
