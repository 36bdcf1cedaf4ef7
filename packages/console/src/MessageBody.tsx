// Message text as segments: plain text (escaped by Preact), http(s) links, and, in staff messages,
// mentions as links (a client typing mention markup gets plain text).
import { useConsole } from './context.ts'
import { safeUrl } from './format.ts'
import { parseBody } from './markup.ts'

export function MessageBody (props: { body: string, mentions: boolean }) {
  const { showColleague } = useConsole()
  return (
    <>
      {parseBody(props.body, { mentions: props.mentions }).map((s, i) => {
        if (s.kind === 'text') return s.text
        if (s.kind === 'link') {
          const href = safeUrl(s.href)
          return href === null ? s.text : <a key={i} href={href} target='_blank' rel='noopener noreferrer'>{s.text}</a>
        }
        if (s.kind === 'user') {
          return <a key={i} class='mention mention-user' href={`#/colleagues/${s.id}`} onClick={(e) => { e.preventDefault(); showColleague(s.id) }}>{s.text}</a>
        }
        return <a key={i} class='mention mention-conversation' href={`#/conversations/${s.id}`}>{s.text}</a>
      })}
    </>
  )
}
