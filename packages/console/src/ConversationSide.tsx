// The open conversation's side panel for #6: its rating, response times and CRM records, each
// shown when the server has the plugin behind it.
import { useConsole } from './context.ts'
import type { Conversation } from './types.ts'
import { RatingPanel } from './ratings/RatingPanel.tsx'
import { KpiPanel } from './kpi/KpiPanel.tsx'
import { CrmPanel } from './crm/CrmPanel.tsx'

export function ConversationSide (props: { conversation: Conversation, onConversation: (c: Conversation) => void }) {
  const { schema } = useConsole()
  const rating = schema.plugin('Conversation', 'rating')
  const kpi = schema.plugin('Conversation', 'kpi')
  const crm = schema.plugin('Conversation', 'crm')
  if (!rating && !kpi && !crm) return null
  return (
    <aside class='conversation-side' aria-label='Conversation details'>
      {rating && <RatingPanel conversation={props.conversation} onConversation={props.onConversation} />}
      {kpi && <KpiPanel conversation={props.conversation} />}
      {crm && <CrmPanel key={props.conversation.id} conversation={props.conversation} />}
    </aside>
  )
}
