import { Type, type QueueStrategy } from '@openline/sdk'
import { orderEvenly } from './order.ts'

/** 0 turns forwarding off; otherwise 10 s – 1 day. Written as allOf so each bad value gets a specific message. */
const idleTimeoutSec = Type.Intersect([
  Type.Integer({ minimum: 0, maximum: 86400 }),
  Type.Not(Type.Integer({ minimum: 1, maximum: 9 }))
], {
  default: 0,
  title: 'Idle time before forwarding (seconds)',
  description: 'Offer the conversation to the next agent when the current one neither answers nor skips within this time. 0 = off; otherwise 10–86400.'
})

export const evenlySettings = Type.Object({ idleTimeoutSec })

/** B2 "evenly": the least loaded available agent first, round-robin among equally loaded ones. */
export const evenlyStrategy: QueueStrategy<typeof evenlySettings> = {
  id: 'evenly',
  title: 'Evenly (least loaded first)',
  settingsSchema: evenlySettings,
  offer: ({ candidates, settings, previousOffers }) => {
    const agents = orderEvenly(candidates, previousOffers)
    const idle = settings.idleTimeoutSec
    return idle > 0 ? { agents, exclusive: true, idleTimeoutSec: idle } : { agents, exclusive: true }
  }
}
