// One conversation: header with actions, messages (live), reply box, and the dialogs they open.
import { useEffect, useRef, useState } from 'preact/hooks'
import { errorText, useConsole, useFeed } from './context.ts'
import type { ConsoleAction } from './actions.ts'
import { conversationMutation } from './mutations.ts'
import type { Conversation, DeliveryStatus, Message } from './types.ts'

/** Statuses only move forward (a provider receipt never goes back to sending). */
const deliveryRank: Record<DeliveryStatus, number> = { none: 0, pending: 1, sent: 2, delivered: 3, read: 4, failed: 5 }
import { ConversationHeader, type HeaderCommand } from './ConversationHeader.tsx'
import { MessageItem } from './MessageItem.tsx'
import type { MessageMenuHandlers } from './MessageMenu.tsx'
import { ReplyBox } from './ReplyBox.tsx'
import { TransferDialog } from './TransferDialog.tsx'
import { InviteDialog } from './InviteDialog.tsx'
import { PinDialog } from './PinDialog.tsx'
import { HistoryDialog } from './HistoryDialog.tsx'
import { ActionDialog } from './ActionDialog.tsx'
import { ConfirmDialog } from './ConfirmDialog.tsx'
import { ConversationSide } from './ConversationSide.tsx'

type DialogState =
  | { kind: 'transfer' } | { kind: 'invite' } | { kind: 'pin' } | { kind: 'history' }
  | { kind: 'action', action: ConsoleAction, message?: Message }
  | { kind: 'confirm', title: string, text: string, confirm: string, run: () => Promise<void> }

const typingShownMs = 6000

export function ConversationView (props: { id: string }) {
  const { api, sel, open, toast } = useConsole()
  const [conversation, setConversation] = useState<Conversation | null | undefined>(undefined)
  const [messages, setMessages] = useState<Message[]>([])
  const [before, setBefore] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [selectedId, setSelectedId] = useState<string | null>(null)
  const [quote, setQuote] = useState<Message | null>(null)
  const [editing, setEditing] = useState<string | null>(null)
  const [typing, setTyping] = useState<{ preview: string | null, until: number } | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const [dialog, setDialog] = useState<DialogState | null>(null)
  const bottom = useRef<HTMLDivElement>(null)
  const stick = useRef(true)

  const messagesQuery = `query ConsoleMessages($id: ID!, $before: String) { messages(conversationId: $id, last: 50, before: $before) { nodes { ${sel.message} } previousCursor } }`

  useEffect(() => {
    Promise.all([
      api.request<{ conversation: Conversation | null }>(`query ConsoleConversation($id: ID!) { conversation(id: $id) { ${sel.conversation} } }`, { id: props.id }),
      api.request<{ messages: { nodes: Message[], previousCursor: string | null } }>(messagesQuery, { id: props.id, before: null })
    ]).then(([c, m]) => {
      setConversation(c.conversation)
      setMessages(m.messages.nodes)
      setBefore(m.messages.previousCursor)
    }, (err) => { setError(errorText(err)); setConversation(null) })
  }, [props.id])

  /** Read the conversation again (after a plugin action that may have changed it). */
  async function reload (): Promise<void> {
    const data = await api.request<{ conversation: Conversation | null }>(`query ConsoleConversation($id: ID!) { conversation(id: $id) { ${sel.conversation} } }`, { id: props.id }).catch(() => null)
    const next = data?.conversation ?? null
    if (next !== null) setConversation(prev => ({ ...(prev ?? {}), ...next }))
  }

  useEffect(() => {
    if (stick.current) bottom.current?.scrollIntoView({ block: 'end' })
  }, [messages.length, conversation !== undefined])

  useEffect(() => {
    if (typing === null) return
    const timer = setTimeout(() => setTyping(null), Math.max(0, typing.until - Date.now()))
    return () => clearTimeout(timer)
  }, [typing])

  // Pushes and mutation answers race: a delivery status may arrive before the message it is about,
  // and an older copy (the send's answer, still "pending") may arrive after a newer status.
  const earlyStatus = useRef(new Map<string, Message['deliveryStatus']>())
  const upsert = (m: Message): void => setMessages(list => {
    const at = list.findIndex(x => x.id === m.id)
    const known = [at === -1 ? undefined : list[at].deliveryStatus, earlyStatus.current.get(m.id)]
    const status = known.reduce<Message['deliveryStatus']>((best, s) => s !== undefined && deliveryRank[s] > deliveryRank[best] ? s : best, m.deliveryStatus)
    earlyStatus.current.delete(m.id)
    const merged = { ...m, deliveryStatus: status }
    if (at === -1) return [...list, merged]
    const next = [...list]
    next[at] = merged
    return next
  })

  useFeed((event) => {
    if (event.type === 'messageAdded' && event.message.conversationId === props.id) {
      upsert(event.message)
      if (event.message.authorKind === 'client') setTyping(null)
    } else if (event.type === 'messageChanged' && event.message.conversationId === props.id) {
      upsert(event.message)
    } else if (event.type === 'messageDelivery' && event.conversationId === props.id) {
      setMessages(list => {
        if (!list.some(m => m.id === event.messageId)) earlyStatus.current.set(event.messageId, event.status)
        return list.map(m => m.id === event.messageId && deliveryRank[event.status] >= deliveryRank[m.deliveryStatus] ? { ...m, deliveryStatus: event.status } : m)
      })
    } else if (event.type === 'conversationUpdated' && event.conversation.id === props.id) {
      setConversation(c => ({ ...(c ?? {}), ...event.conversation }))
    } else if (event.type === 'conversationRated' && event.rating.conversationId === props.id) {
      setConversation(c => c === null || c === undefined ? c : { ...c, rating: event.rating })
    } else if (event.type === 'clientTyping' && event.conversationId === props.id) {
      setTyping({ preview: event.preview, until: Date.now() + typingShownMs })
    }
  })

  async function earlier (): Promise<void> {
    if (before === null) return
    try {
      stick.current = false
      const data = await api.request<{ messages: { nodes: Message[], previousCursor: string | null } }>(messagesQuery, { id: props.id, before })
      setMessages(list => [...data.messages.nodes.filter(n => !list.some(m => m.id === n.id)), ...list])
      setBefore(data.messages.previousCursor)
    } catch (err) {
      toast(errorText(err), 'error')
    }
  }

  if (conversation === undefined) return <div class='conversation loading'><p class='muted'>Loading…</p></div>
  if (conversation === null) {
    return <div class='conversation missing'><p class='form-error'>{error ?? 'This conversation does not exist or you may not see it.'}</p></div>
  }
  const c = conversation
  const applied = (next: Conversation): void => { setConversation(prev => ({ ...(prev ?? {}), ...next })); setDialog(null) }
  const simple = async (mutation: string, done: string): Promise<void> => {
    try {
      applied(await conversationMutation(api, sel.conversation, mutation, { id: ['ID!', c.id] }))
      toast(done)
    } catch (err) {
      toast(errorText(err), 'error')
    }
  }

  function command (name: HeaderCommand): void {
    switch (name) {
      case 'transfer': case 'invite': case 'pin': case 'history': setDialog({ kind: name }); break
      case 'close': void simple('closeConversation', 'Conversation closed'); break
      case 'takeOver': void simple('takeOverConversation', 'The conversation is yours now'); break
      case 'unpin': void simple('unpinConversation', 'Unlocked'); break
      case 'spam':
        setDialog({ kind: 'confirm', title: 'Mark as spam', text: 'Close this conversation as spam? The client can still write again later.', confirm: 'Mark as spam', run: async () => { applied(await conversationMutation(api, sel.conversation, 'markConversationSpam', { id: ['ID!', c.id] })); toast('Marked as spam') } })
        break
      case 'leave':
        setDialog({ kind: 'confirm', title: 'Leave conversation', text: 'Leave this conversation? You stop receiving its messages.', confirm: 'Leave', run: async () => { await api.request('mutation($id: ID!) { leaveConversation(id: $id) }', { id: c.id }); toast('You left the conversation') } })
        break
      case 'silent':
        void conversationMutation(api, sel.conversation, 'setConversationSilent', { id: ['ID!', c.id], silent: ['Boolean!', c.silent !== true] })
          .then((next) => { applied(next); toast(next.silent === true ? 'Silent mode on: staff messages are hidden from the client' : 'Silent mode off') }, err => toast(errorText(err), 'error'))
        break
    }
  }

  const handlers: MessageMenuHandlers = {
    quote: (m) => setQuote(m),
    edit: (m) => setEditing(m.id),
    remove: (m) => setDialog({ kind: 'confirm', title: 'Delete message', text: 'Delete this message? Where the channel allows it, the client’s copy is deleted too.', confirm: 'Delete', run: async () => {
      const data = await api.request<{ deleteMessage: Message }>(`mutation($id: ID!) { deleteMessage(id: $id) { ${sel.message} } }`, { id: m.id })
      upsert(data.deleteMessage)
    } }),
    split: (m) => setDialog({ kind: 'confirm', title: 'Split here', text: 'Close this conversation and start a new one from this message?', confirm: 'Split', run: async () => {
      const data = await api.request<{ splitConversationAt: { id: string } }>('mutation($id: ID!) { splitConversationAt(messageId: $id) { id } }', { id: m.id })
      open(data.splitConversationAt.id)
    } }),
    action: (a, m) => setDialog({ kind: 'action', action: a, message: m })
  }

  async function saveEdit (m: Message, body: string): Promise<boolean> {
    if (body.trim() === '') { toast('A message cannot be empty: delete it instead', 'error'); return false }
    try {
      const data = await api.request<{ editMessage: Message }>(`mutation($id: ID!, $b: String!) { editMessage(id: $id, body: $b) { ${sel.message} } }`, { id: m.id, b: body })
      upsert(data.editMessage)
      setEditing(null)
      return true
    } catch (err) {
      toast(errorText(err), 'error')
      return false
    }
  }

  const byId = new Map(messages.map(m => [m.id, m]))
  const selected = selectedId === null ? null : byId.get(selectedId) ?? null
  const clientName = c.client.name ?? 'Client'

  return (
    <div class='conversation-layout'>
      <section class='conversation' data-conversation-id={c.id} aria-label={`Conversation ${c.id}`}>
        <ConversationHeader conversation={c} onCommand={command} onAction={(a) => setDialog({ kind: 'action', action: a })} />
        <div class='messages' onScroll={(e) => { const el = e.currentTarget; stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40 }}>
          {before !== null && <button type='button' class='more' onClick={earlier}>Earlier messages</button>}
          <ol class='message-list'>
            {messages.map(m => (
              <MessageItem
                key={m.id}
                message={m}
                quoted={m.quoteMessageId === null ? undefined : byId.get(m.quoteMessageId)}
                clientName={clientName}
                connector={c.connector}
                selected={m.id === selectedId}
                editing={m.id === editing}
                onSelect={(x) => setSelectedId(x.id === selectedId ? null : x.id)}
                onSaveEdit={saveEdit}
                onCancelEdit={() => setEditing(null)}
                handlers={handlers}
              />
            ))}
          </ol>
          {typing !== null && <p class='typing muted'>{clientName} is typing{typing.preview !== null && typing.preview !== '' ? `: ${typing.preview}` : '…'}</p>}
          <div ref={bottom} />
        </div>
        {notice !== null && (
          <p class='notice' role='status'>{notice} <button type='button' class='link-button' aria-label='Dismiss' onClick={() => setNotice(null)}>×</button></p>
        )}
        <ReplyBox
          conversation={c}
          quote={quote}
          selected={selected}
          onQuote={setQuote}
          onSent={(m) => { stick.current = true; upsert(m) }}
          onConversation={(next) => setConversation(prev => ({ ...(prev ?? {}), ...next }))}
          onNotice={setNotice}
        />
        {dialog?.kind === 'transfer' && <TransferDialog conversation={c} onClose={() => setDialog(null)} onDone={applied} />}
        {dialog?.kind === 'invite' && <InviteDialog conversation={c} onClose={() => setDialog(null)} onDone={applied} />}
        {dialog?.kind === 'pin' && <PinDialog conversation={c} onClose={() => setDialog(null)} onDone={applied} />}
        {dialog?.kind === 'history' && <HistoryDialog conversation={c} onClose={() => setDialog(null)} />}
        {dialog?.kind === 'action' && <ActionDialog action={dialog.action} target={{ conversation: c, message: dialog.message }} onClose={() => setDialog(null)} onDone={() => { void reload() }} />}
        {dialog?.kind === 'confirm' && <ConfirmDialog title={dialog.title} text={dialog.text} confirm={dialog.confirm} run={dialog.run} onClose={() => setDialog(null)} />}
      </section>
    <ConversationSide conversation={c} onConversation={(next) => setConversation(prev => ({ ...(prev ?? {}), ...next }))} />
    </div>
  )
}
