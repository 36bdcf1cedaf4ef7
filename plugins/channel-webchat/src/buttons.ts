// Buttons under outgoing messages (`meta.buttons`, see MessageButton in the SDK): a flat list or
// rows of buttons; the widget shows them in one wrapping row.
import type { MessageButton } from '@openline/sdk'

const maxButtons = 24

const isHttpUrl = (value: string): boolean => /^https?:\/\/[^\s]+$/i.test(value) && value.length <= 2000

function cleanButton (value: unknown): MessageButton | null {
  if (typeof value !== 'object' || value === null) return null
  const b = value as Record<string, unknown>
  if (typeof b.text !== 'string' || b.text.trim() === '' || b.text.length > 200) return null
  if (typeof b.data === 'string' && b.data !== '' && Buffer.byteLength(b.data) <= 64) return { text: b.text, data: b.data }
  if (typeof b.url === 'string' && isHttpUrl(b.url)) return { text: b.text, url: b.url }
  return null
}

/** The valid buttons of a message's `meta` (data buttons of at most 64 bytes, http(s) links), flattened. */
export function buttonsOf (meta: Record<string, unknown>): MessageButton[] {
  const given = meta.buttons
  if (!Array.isArray(given)) return []
  const flat = given.flatMap(item => Array.isArray(item) ? item : [item])
  return flat.map(cleanButton).filter((b): b is MessageButton => b !== null).slice(0, maxButtons)
}
