/**
 * Waits one turn of the event loop (a timer, not a microtask: sockets' reads and timers run in between). Long passes
 * over a local store yield with it between chunks: such a store answers at once, so without it a pass over 100,000
 * records would hold every socket of the process until it is done.
 */
export const letOthersRun = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
