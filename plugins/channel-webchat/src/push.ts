// Pushes to a visitor's `visitorEvents` subscription. The topic names the visitor, but what
// protects a push is the subscription's filter (the authenticated visitor's id), not the name.
import type { Id, PluginContext } from '@openline/sdk'
import type { TranscriptMessage } from './transcript.ts'

export type VisitorEventKind = 'messageAdded' | 'messageChanged' | 'agentTyping'

export interface VisitorEvent {
  visitorId: Id
  kind: VisitorEventKind
  message: TranscriptMessage | null
  at: string
}

export const visitorTopic = (visitorId: Id): string => `channel-webchat:visitor:${visitorId}`

/** Best effort: a lost push is made good by the widget re-reading its transcript on reconnect. */
export async function pushToVisitor (ctx: PluginContext<any>, visitorId: Id, kind: VisitorEventKind, message: TranscriptMessage | null = null): Promise<void> {
  const event: VisitorEvent = { visitorId, kind, message, at: new Date().toISOString() }
  await ctx.publish(visitorTopic(visitorId), { visitorEvents: event }).catch((err: Error) => ctx.log.warn({ err: err.message, visitorId }, 'webchat: push failed'))
}
