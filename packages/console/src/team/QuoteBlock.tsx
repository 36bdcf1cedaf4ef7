// A conversation message quoted in a staff chat or feed post, with the way back to it.
import { timeOf } from '../format.ts'
import { routeHash } from '../route.ts'
import { MessageBody } from '../MessageBody.tsx'
import type { TeamQuote } from './team.ts'

const authorLabels: Record<string, string> = { client: 'Client', agent: 'Agent', bot: 'Bot', system: 'System' }

export function QuoteBlock (props: { quote: TeamQuote }) {
  const q = props.quote
  return (
    <blockquote class='quote team-quote'>
      <span class='muted'>{authorLabels[q.authorKind] ?? q.authorKind}, {timeOf(q.createdAt)} · <a href={routeHash({ page: 'conversations', id: q.conversationId })}>conversation #{q.conversationId}</a></span>
      <div class='message-body'><MessageBody body={q.body} mentions={q.authorKind !== 'client'} /></div>
    </blockquote>
  )
}
