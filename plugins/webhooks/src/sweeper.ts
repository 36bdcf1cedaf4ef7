// A periodic pass over the deliveries: re-queue those whose job was lost (Redis outage, crash
// between commit and enqueue) and delete finished ones past their keeping time.
import type { PluginContext } from '@openline/sdk'
import { deleteFinishedBefore, overdueDeliveries } from './deliveries.ts'
import { reader } from './db.ts'
import { enqueueAttempt } from './outgoing.ts'
import { optionsOf } from './options.ts'

/** How late a pending delivery must be before its job counts as lost. */
const graceMs = 30_000
const batch = 500

const running = new WeakMap<object, NodeJS.Timeout>()

export async function sweep (ctx: PluginContext<any>): Promise<void> {
  const query = reader(ctx)
  // A new job id every ten minutes: a swept job that bull gave up on must not block the next sweep.
  const round = `swept${Math.floor(Date.now() / 600_000)}`
  for (const d of await overdueDeliveries(query, graceMs, batch)) await enqueueAttempt(ctx, d.id, d.attempts, 0, round)
  const deleted = await ctx.transaction(tx => deleteFinishedBefore(tx.query, optionsOf(ctx).keepDeliveriesDays))
  if (deleted > 0) ctx.log.info({ deleted }, 'old webhook deliveries deleted')
}

export function startSweeper (ctx: PluginContext<any>): void {
  let busy = false
  const timer = setInterval(() => {
    if (busy) return
    busy = true
    sweep(ctx)
      .catch((err: Error) => ctx.log.warn({ err: err.message }, 'webhook sweep incomplete; will retry'))
      .finally(() => { busy = false })
  }, optionsOf(ctx).sweepIntervalMs)
  timer.unref()
  running.set(ctx, timer)
}

export function stopSweeper (ctx: PluginContext<any>): void {
  clearInterval(running.get(ctx))
  running.delete(ctx)
}
