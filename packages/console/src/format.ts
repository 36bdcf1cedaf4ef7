// Small display helpers shared by the views.
import type { Conversation, Message, UserRef } from './types.ts'

const connectorNames: Record<string, string> = {
  telegram: 'Telegram', messenger: 'Messenger', instagram: 'Instagram', whatsapp: 'WhatsApp',
  viber: 'Viber', webchat: 'Web chat', test: 'Test'
}

/** K7: the channel a client writes from, as a short label. */
export function connectorLabel (connector: string | null | undefined): string {
  if (connector === null || connector === undefined || connector === '') return ''
  return connectorNames[connector] ?? connector
}

export function timeOf (iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return ''
  const d = new Date(iso)
  const today = new Date()
  const sameDay = d.toDateString() === today.toDateString()
  return sameDay ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : d.toLocaleString([], { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' })
}

export function conversationName (c: Pick<Conversation, 'id' | 'title' | 'client'>): string {
  return c.title ?? c.client.name ?? `Client #${c.client.id}`
}

export function userName (users: Map<string, UserRef>, id: string | null | undefined): string {
  if (id === null || id === undefined) return '—'
  return users.get(id)?.name ?? `User #${id}`
}

export function authorOf (m: Message, users: Map<string, UserRef>, clientName: string): string {
  if (m.authorName !== undefined && m.authorName !== null && m.authorName !== '') return m.authorName
  if (m.authorKind === 'client') return clientName
  if (m.authorKind === 'agent') return userName(users, m.authorUserId)
  return m.authorKind === 'bot' ? 'Bot' : 'System'
}

export const statusLabels: Record<string, string> = {
  queued: 'Waiting', bot: 'Bot', assigned: 'Assigned', closing: 'Closing', closed: 'Closed'
}

export function bytes (n: number | undefined): string {
  if (n === undefined) return ''
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}

/** Only http(s) URLs ever become links or images. */
export function safeUrl (url: unknown): string | null {
  if (typeof url !== 'string') return null
  try {
    const parsed = new URL(url, location.href)
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null
  } catch {
    return null
  }
}
