// The delivery job: one attempt of one delivery, in the transaction the core gives every plugin
// job. The row stays locked while the receiver answers, so a duplicate job cannot send it twice;
// HTTP failures are recorded, never thrown (a throw would roll the record back).
import { isId, type JobHandler } from '@openline/sdk'
import { claimDelivery, finishDelivery, retryDelivery } from './deliveries.ts'
import { disableEndpoint, endpointFailed, endpointSucceeded } from './endpoints.ts'
import { enqueueAttempt } from './outgoing.ts'
import { optionsOf } from './options.ts'
import { nextDelayMs } from './retry.ts'
import { post } from './send.ts'

export const deliver: JobHandler = async (data, ctx, tx) => {
  const options = optionsOf(ctx)
  const { deliveryId, attempt } = data
  if (!isId(deliveryId) || typeof attempt !== 'number' || !Number.isInteger(attempt) || attempt < 0) return
  const claimed = await claimDelivery(tx.query, deliveryId, attempt)
  if (claimed === null) return
  // Sealed at rest with the deployment's key; opened only for the attempt.
  const due = { ...claimed, secret: String(ctx.secrets.open(claimed.secret).secret) }
  if (!due.active && !due.manual) {
    await finishDelivery(tx.query, due.id, { status: 'failed', responseStatus: null, error: 'Not sent: the endpoint is switched off', attempted: false })
    return
  }

  const outcome = await post(ctx, options, due)
  const made = attempt + 1
  switch (outcome.result) {
    case 'delivered':
      await finishDelivery(tx.query, due.id, { status: 'delivered', responseStatus: outcome.responseStatus, error: null, attempted: true })
      await endpointSucceeded(tx.query, due.webhookId)
      return
    case 'gone':
      await finishDelivery(tx.query, due.id, { status: 'failed', responseStatus: outcome.responseStatus, error: outcome.error, attempted: true })
      await disableEndpoint(tx.query, due.webhookId, `${outcome.error}: the receiver asked not to be called again`)
      return
    case 'retry':
      if (made < options.maxAttempts) {
        const delayMs = nextDelayMs(made, options.retryBaseMs, outcome.askedDelayMs)
        await retryDelivery(tx.query, due.id, { responseStatus: outcome.responseStatus, error: outcome.error, delayMs })
        tx.afterCommit(() => enqueueAttempt(ctx, due.id, made, delayMs).catch((err: Error) => {
          ctx.log.warn({ err: err.message, deliveryId: due.id }, 'webhook retry not queued; the sweeper will send it')
        }))
      } else {
        await finishDelivery(tx.query, due.id, { status: 'failed', responseStatus: outcome.responseStatus, error: `${outcome.error} (gave up after ${made} attempts)`, attempted: true })
      }
      break
    case 'failed':
      await finishDelivery(tx.query, due.id, { status: 'failed', responseStatus: outcome.responseStatus, error: outcome.error, attempted: true })
      break
  }
  await endpointFailed(tx.query, due.webhookId, options.disableAfterFailures, outcome.error)
}
