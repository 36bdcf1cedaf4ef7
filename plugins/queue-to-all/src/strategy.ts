import { Type, type QueueStrategy } from '@openline/sdk'
import { orderByPosition } from './order.ts'

/** Nothing to configure: who is offered is decided by the core's availability and limits. */
export const toAllSettings = Type.Object({})

/** B2 "to all": every available agent sees the offer; the first to take it owns it. */
export const toAllStrategy: QueueStrategy<typeof toAllSettings> = {
  id: 'to-all',
  title: 'To all agents at once',
  settingsSchema: toAllSettings,
  offer: ({ candidates }) => ({ agents: orderByPosition(candidates), exclusive: false })
}
