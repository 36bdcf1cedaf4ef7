// Message text → segments to render. Mentions are markup in the body: `@[Ana Lima](user:12)` and
// `#[Order question](conversation:34)`; colleagues see them as links, the client gets the text only.
// Only http(s) URLs become links; everything else stays text (rendered escaped by Preact).

export type Segment =
  | { kind: 'text', text: string }
  | { kind: 'link', text: string, href: string }
  | { kind: 'user', text: string, id: string }
  | { kind: 'conversation', text: string, id: string }

const url = String.raw`\bhttps?:\/\/[^\s<>"'${'`'}]+`
const mention = String.raw`@\[([^\]\n]{1,100})\]\(user:(\d{1,19})\)|#\[([^\]\n]{1,200})\]\(conversation:(\d{1,19})\)`
const withMentions = new RegExp(`${mention}|${url}`, 'gi')
const linksOnly = new RegExp(url, 'gi')

// Punctuation that ends a sentence rather than the URL.
const trailing = /[.,;:!?)\]}'"]+$/

/** `mentions: false` for client text: markup a client types is not a colleague's link. */
export function parseBody (body: string, options: { mentions: boolean } = { mentions: true }): Segment[] {
  const out: Segment[] = []
  let last = 0
  const text = (s: string): void => {
    if (s === '') return
    const prev = out[out.length - 1]
    if (prev?.kind === 'text') prev.text += s
    else out.push({ kind: 'text', text: s })
  }
  for (const m of body.matchAll(options.mentions ? withMentions : linksOnly)) {
    const at = m.index
    text(body.slice(last, at))
    if (m[1] !== undefined && m[2] !== undefined) {
      out.push({ kind: 'user', text: `@${m[1]}`, id: m[2] })
      last = at + m[0].length
    } else if (m[3] !== undefined && m[4] !== undefined) {
      out.push({ kind: 'conversation', text: `#${m[3]}`, id: m[4] })
      last = at + m[0].length
    } else {
      const url = m[0].replace(trailing, '')
      out.push({ kind: 'link', text: url, href: url })
      last = at + url.length
    }
  }
  text(body.slice(last))
  return out
}

/** What the client will read: mentions reduced to their text. */
export function plainText (body: string): string {
  return parseBody(body).map(s => s.text).join('')
}

export function userMention (user: { id: string, name: string }): string {
  return `@[${user.name.replace(/[\]\n]/g, ' ')}](user:${user.id})`
}

export function conversationMention (c: { id: string, name: string }): string {
  return `#[${c.name.replace(/[\]\n]/g, ' ')}](conversation:${c.id})`
}
