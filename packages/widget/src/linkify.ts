// Links in message text: only http(s) URLs become links; everything else stays text (rendered
// escaped by Preact), so `javascript:` or markup in a message can never become active.

export type Piece = { text: string, href?: undefined } | { text: string, href: string }

const urlPattern = /\bhttps?:\/\/[^\s<>"'`]+/gi
// Punctuation that usually ends a sentence rather than a URL.
const trailing = /[.,;:!?)\]}]+$/

export function linkify (text: string): Piece[] {
  const pieces: Piece[] = []
  let last = 0
  for (const match of text.matchAll(urlPattern)) {
    const start = match.index ?? 0
    const url = match[0].replace(trailing, '')
    if (url.length <= 'https://'.length) continue
    if (start > last) pieces.push({ text: text.slice(last, start) })
    pieces.push({ text: url, href: url })
    last = start + url.length
  }
  if (last < text.length) pieces.push({ text: text.slice(last) })
  return pieces
}

/** An http(s) URL or null: for avatars and link buttons coming from the server. */
export function safeUrl (value: string | null | undefined): string | null {
  return typeof value === 'string' && /^https?:\/\//i.test(value) ? value : null
}
