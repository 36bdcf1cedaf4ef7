// K6: what an agent can do with one message. Plugin actions appear when the server has them.
import { useConsole } from './context.ts'
import { actionsFor, type ConsoleAction } from './actions.ts'
import type { Message } from './types.ts'

export interface MessageMenuHandlers {
  quote: (m: Message) => void
  edit: (m: Message) => void
  remove: (m: Message) => void
  split: (m: Message) => void
  action: (a: ConsoleAction, m: Message) => void
}

export function MessageMenu (props: { message: Message, handlers: MessageMenuHandlers, close: () => void }) {
  const { schema, me } = useConsole()
  const m = props.message
  const mine = m.authorKind === 'agent' && m.authorUserId === me.id && m.deletedAt === null
  const item = (label: string, run: () => void, name: string) => (
    <li key={name}><button type='button' role='menuitem' data-action={name} onClick={(e) => { e.stopPropagation(); props.close(); run() }}>{label}</button></li>
  )
  return (
    <ul class='message-menu' role='menu'>
      {item('Quote', () => props.handlers.quote(m), 'quote')}
      {mine && schema.core('Mutation', 'editMessage') && item('Edit', () => props.handlers.edit(m), 'edit')}
      {mine && schema.core('Mutation', 'deleteMessage') && item('Delete', () => props.handlers.remove(m), 'delete')}
      {actionsFor('message', name => schema.plugin('Mutation', name)).map(a => item(a.label, () => props.handlers.action(a, m), a.mutation))}
      {schema.core('Mutation', 'splitConversationAt') && item('Split here: close and start a new conversation', () => props.handlers.split(m), 'split')}
    </ul>
  )
}
