// Autocomplete in the reply box: the word being typed at the caret, when it starts with @ (a
// colleague) or # (a conversation), and its replacement by mention markup.

export interface MentionQuery {
  trigger: '@' | '#'
  /** What was typed after the trigger. */
  search: string
  /** Where the trigger is in the text. */
  start: number
  end: number
}

export function mentionAt (text: string, caret: number): MentionQuery | null {
  const before = text.slice(0, caret)
  const m = /(^|\s)([@#])([^\s@#[\]]{0,40})$/.exec(before)
  if (m === null) return null
  const start = caret - m[3].length - 1
  return { trigger: m[2] as '@' | '#', search: m[3], start, end: caret }
}

/** The text with the query replaced by `markup` and a space, and where the caret goes. */
export function insertMention (text: string, query: MentionQuery, markup: string): { text: string, caret: number } {
  const inserted = `${markup} `
  return { text: text.slice(0, query.start) + inserted + text.slice(query.end), caret: query.start + inserted.length }
}

export function matches (name: string, search: string): boolean {
  return name.toLowerCase().includes(search.toLowerCase())
}
