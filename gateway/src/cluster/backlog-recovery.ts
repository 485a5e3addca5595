/**
 * A task queued on one node reaches the node that holds its agent through Redis (presence lookup, then that node's
 * inbox). A task accepted in the moment Redis goes away is in the store, yet that handoff can fail, and nothing
 * else would deliver it until the agent reconnects. So when a node's Redis connection comes back, it reads the
 * backlog of every agent it holds again (tasks already running are skipped), retrying while the store still
 * refuses: the session store reconnects on its own connection, a moment before or after this one.
 * @module
 */

const RETRY_MS = 500;
const MAX_TRIES = 20;

/** The listener to call on each reconnect: reloads, and retries a reload the store refused. */
export function afterReconnect(reload: () => Promise<boolean>, report: (error: unknown) => void): () => void {
  let running = false;
  let again = false;
  async function run(): Promise<void> {
    for (let tries = 1; ; tries++) {
      again = false;
      const complete = await reload().catch((error) => {
        report(error);
        return false;
      });
      if ((complete && !again) || tries >= MAX_TRIES) return;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
  return () => {
    // A reconnect during a reload runs the reload once more (the first one may have read before the outage).
    if (running) {
      again = true;
      return;
    }
    running = true;
    void run().finally(() => {
      running = false;
    });
  };
}
