// Slash commands of the reply box. Only these words are commands; any other text starting with
// "/" is sent as written.

export type Command =
  | { name: 'quote', rest: string }
  | { name: 'rename', title: string }
  | { name: 'id' }

export const commandHelp: { usage: string, hint: string }[] = [
  { usage: '/quote', hint: 'quote the selected message (text after it is sent with the quote)' },
  { usage: '/rename <title>', hint: 'rename the chat (staff only)' },
  { usage: '/id', hint: 'show the chat id' }
]

export function parseCommand (text: string): Command | null {
  const m = /^\/(quote|rename|id)(?:\s+([\s\S]*))?$/.exec(text.trim())
  if (m === null) return null
  const rest = (m[2] ?? '').trim()
  if (m[1] === 'quote') return { name: 'quote', rest }
  if (m[1] === 'rename') return { name: 'rename', title: rest }
  return rest === '' ? { name: 'id' } : null
}
