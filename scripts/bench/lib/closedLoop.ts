// Closed-loop load: `concurrency` workers, each starting its next unit as soon as the last one finished.
// Shared by the ingest and webhooks benchmarks.

/** Runs `run(0 … count-1)` with at most `concurrency` in flight; returns the elapsed milliseconds. */
export async function closedLoop (count: number, concurrency: number, run: (i: number) => Promise<void>): Promise<number> {
  let next = 0
  const t0 = performance.now()
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) await run(i)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  return performance.now() - t0
}
