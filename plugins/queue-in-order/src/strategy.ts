import { Type, type QueueStrategy } from '@openline/sdk'
import { orderInQueue } from './order.ts'

export const defaultIdleTimeoutSec = 180

export const inOrderSettings = Type.Object({
  idleTimeoutSec: Type.Integer({
    minimum: 10,
    maximum: 86400,
    default: defaultIdleTimeoutSec,
    title: 'Idle time before forwarding (seconds)',
    description: 'Offer the conversation to the next agent in the queue when the current one neither answers nor skips within this time (10–86400).'
  })
})

/** B2 "strictly in queue order": the first agent in the queue who has not had it yet; the next after the idle time; wrap around. */
export const inOrderStrategy: QueueStrategy<typeof inOrderSettings> = {
  id: 'in-order',
  title: 'Strictly in queue order',
  settingsSchema: inOrderSettings,
  offer: ({ candidates, settings, previousOffers }) => ({
    agents: orderInQueue(candidates, previousOffers),
    exclusive: true,
    // Stored settings always carry it (the core fills defaults); never forward without a deadline.
    idleTimeoutSec: Number.isInteger(settings.idleTimeoutSec) && settings.idleTimeoutSec >= 10 ? settings.idleTimeoutSec : defaultIdleTimeoutSec
  })
}
