// One message: author, time, channel mark (K7), delivery, hidden-note label, quote, attachments,
// edited/deleted marks, and its menu.
import { useState } from 'preact/hooks'
import { useConsole } from './context.ts'
import { authorOf, connectorLabel, timeOf } from './format.ts'
import { plainText } from './markup.ts'
import type { Message } from './types.ts'
import { Attachments } from './Attachments.tsx'
import { MessageBody } from './MessageBody.tsx'
import { MessageMenu, type MessageMenuHandlers } from './MessageMenu.tsx'

const deliveryLabels: Record<string, string> = { pending: 'sending', sent: 'sent', delivered: 'delivered', read: 'read', failed: 'not delivered' }

export interface MessageItemProps {
  message: Message
  quoted: Message | undefined
  clientName: string
  connector: string | null | undefined
  selected: boolean
  editing: boolean
  onSelect: (m: Message) => void
  onSaveEdit: (m: Message, body: string) => Promise<boolean>
  onCancelEdit: () => void
  handlers: MessageMenuHandlers
}

export function MessageItem (props: MessageItemProps) {
  const { users } = useConsole()
  const m = props.message
  const [menu, setMenu] = useState(false)
  const [draft, setDraft] = useState(m.body)
  const internal = m.visibility === 'internal'
  const deleted = m.deletedAt !== null
  const outgoing = m.authorKind !== 'client'
  const channel = m.authorKind === 'client' ? connectorLabel(m.connector ?? props.connector) : ''
  const classes = ['message', `from-${m.authorKind}`, internal ? 'internal' : '', deleted ? 'deleted' : '', props.selected ? 'selected' : ''].filter(Boolean).join(' ')

  return (
    // Clicking a message selects it (for /quote); clicks on its links and buttons do their own thing.
    <li class={classes} data-message-id={m.id} onClick={(e) => { if ((e.target as Element).closest('a, button, form') === null) props.onSelect(m) }}>
      <div class='message-meta'>
        <span class='author'>{authorOf(m, users, props.clientName)}</span>
        {channel !== '' && <span class='channel-mark'>{channel}</span>}
        <time dateTime={m.sentAt ?? m.createdAt}>{timeOf(m.sentAt ?? m.createdAt)}</time>
        {internal && <span class='hidden-label' title='Internal note: the client never sees it'>hidden</span>}
        {m.editedAt !== null && !deleted && <span class='mark edited-mark'>edited</span>}
        {deleted && <span class='mark deleted-mark'>deleted</span>}
        {outgoing && !internal && deliveryLabels[m.deliveryStatus] !== undefined && (
          <span class={`delivery delivery-${m.deliveryStatus}`}>{deliveryLabels[m.deliveryStatus]}</span>
        )}
        <button type='button' class='menu-button' aria-label='Message actions' aria-haspopup='menu' aria-expanded={menu} onClick={(e) => { e.stopPropagation(); setMenu(!menu) }}>⋯</button>
      </div>
      {menu && <MessageMenu message={m} handlers={props.handlers} close={() => setMenu(false)} />}
      {m.quoteMessageId !== null && (
        <blockquote class='quote'>
          {props.quoted !== undefined
            ? <><span class='author'>{authorOf(props.quoted, users, props.clientName)}</span> {plainText(props.quoted.body).slice(0, 200)}</>
            : <span class='muted'>Quoted message #{m.quoteMessageId}</span>}
        </blockquote>
      )}
      {props.editing
        ? (
          <form class='edit-form' onSubmit={(e) => { e.preventDefault(); void props.onSaveEdit(m, draft) }} onClick={(e) => e.stopPropagation()}>
            <textarea name='edit' value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
            <button type='submit' class='primary'>Save</button>
            <button type='button' onClick={props.onCancelEdit}>Cancel</button>
          </form>
          )
        : <div class='message-body'>{deleted && m.body === '' ? <em class='muted'>Message deleted</em> : <MessageBody body={m.body} mentions={m.authorKind !== 'client'} />}</div>}
      <Attachments items={m.attachments} />
    </li>
  )
}
