/**
 * What a lean-agents generator reports once a second (`lean {json}`): its sockets welcomed now and ever, closes,
 * pongs, the epoch ms of its first open and latest welcome, and its CPU time (ms) at its first open and when all
 * its sockets were first welcomed. Shared by the generator and the capacity measurement that reads it.
 */
export interface LeanCounts {
  welcomed: number;
  everWelcomed: number;
  closed: number;
  pongs: number;
  firstOpenAt: number;
  lastWelcomeAt: number;
  cpuAtFirstOpenMs: number;
  cpuAtAllWelcomedMs: number;
}

export function noCounts(): LeanCounts {
  return {
    welcomed: 0,
    everWelcomed: 0,
    closed: 0,
    pongs: 0,
    firstOpenAt: 0,
    lastWelcomeAt: 0,
    cpuAtFirstOpenMs: 0,
    cpuAtAllWelcomedMs: 0,
  };
}

/** The latest counts a generator printed in `output`, or none yet. */
export function lastCountsIn(output: string): LeanCounts {
  const last = (output.match(/^lean (\{.*\})$/gm) ?? []).at(-1);
  return last ? (JSON.parse(last.slice(5)) as LeanCounts) : noCounts();
}
