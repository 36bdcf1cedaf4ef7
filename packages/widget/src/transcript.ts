// The transcript as the widget holds it: server messages in id order, then the visitor's own
// messages still on their way. One merge for history pages, pushes and mutation answers.
import type { Message } from './types.ts'

const byId = (a: Message, b: Message): number => a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** Add or replace `incoming` (by id); a confirmed message replaces the local copy with its clientMessageId. */
export function merge (list: Message[], incoming: Message[]): Message[] {
  if (incoming.length === 0) return list
  const ids = new Set(incoming.map(m => m.id))
  const confirmed = new Set(incoming.map(m => m.clientMessageId).filter((c): c is string => c !== null))
  const kept = list.filter(m => !ids.has(m.id) && !(m.state !== undefined && m.clientMessageId !== null && confirmed.has(m.clientMessageId)))
  const stored = [...kept.filter(m => m.state === undefined), ...incoming].sort(byId)
  return [...stored, ...kept.filter(m => m.state !== undefined)]
}

/** A message written here, shown at once and confirmed by the server's copy. */
export function localMessage (clientMessageId: string, text: string): Message {
  return {
    id: `local-${clientMessageId}`, fromVisitor: true, clientMessageId, text, senderName: null, senderAvatarUrl: null,
    attachments: [], buttons: [], crmFormToken: null, createdAt: new Date().toISOString(), editedAt: null, deleted: false, state: 'sending'
  }
}

export function markFailed (list: Message[], clientMessageId: string): Message[] {
  return list.map(m => m.clientMessageId === clientMessageId && m.state !== undefined ? { ...m, state: 'failed' as const } : m)
}

/** A UUID for idempotent sends (crypto.randomUUID needs a secure context; getRandomValues does not). */
export function newClientMessageId (): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  bytes[6] = (bytes[6] & 0x0f) | 0x40
  bytes[8] = (bytes[8] & 0x3f) | 0x80
  const hex = Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
