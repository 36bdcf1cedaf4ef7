// The open conversation's title, state and actions (K2, K3, K5): answer/skip an offer, transfer,
// close, spam, history, take over, invite, leave, silent mode, lock as mine, plugin actions.
import { useConsole } from './context.ts'
import { actionsFor, type ConsoleAction } from './actions.ts'
import { connectorLabel, conversationName, statusLabels, timeOf, userName } from './format.ts'
import type { Conversation } from './types.ts'
import { OfferButtons } from './OfferButtons.tsx'
import { kpiOf } from './kpi/kpi.ts'

export type HeaderCommand = 'transfer' | 'close' | 'spam' | 'history' | 'takeOver' | 'invite' | 'leave' | 'silent' | 'pin' | 'unpin'

export function ConversationHeader (props: { conversation: Conversation, onCommand: (c: HeaderCommand) => void, onAction: (a: ConsoleAction) => void }) {
  const { schema, me, users, offers } = useConsole()
  const c = props.conversation
  const open = c.status !== 'closed' && c.status !== 'closing'
  const mine = c.assigneeId === me.id
  // The server lets the assignee or a supervisor (history scope all) run a conversation.
  const manager = open && (mine || me.historyScope === 'all')
  const pinned = c.pinnedUntil !== null && new Date(c.pinnedUntil).getTime() > Date.now()
  const present = (c.participants ?? []).filter(p => p.leftAt === undefined || p.leftAt === null)
  const invited = present.some(p => p.userId === me.id && p.role === 'invited')
  const can = (mutation: string): boolean => schema.core('Mutation', mutation)
  const button = (command: HeaderCommand, label: string, extra = '') => (
    <button type='button' class={`action action-${command} ${extra}`.trim()} onClick={() => props.onCommand(command)}>{label}</button>
  )

  return (
    <header class='conversation-header'>
      <div class='conversation-title'>
        <h2>{conversationName(c)}</h2>
        <span class='muted conversation-id'>#{c.id}</span>
        {connectorLabel(c.connector) !== '' && <span class='channel-mark'>{connectorLabel(c.connector)}</span>}
        <span class={`status status-${c.status}`}>{statusLabels[c.status] ?? c.status}</span>
        {c.silent === true && <span class='badge-silent'>silent</span>}
        {kpiOf(c)?.late === true && <span class='badge-late'>late</span>}
        {pinned && <span class='badge-pinned'>locked by {userName(users, c.pinnedById ?? c.assigneeId)} until {timeOf(c.pinnedUntil)}</span>}
      </div>
      <div class='conversation-people muted'>
        Assignee: <span class='assignee'>{userName(users, c.assigneeId)}</span>
        {present.length > 0 && (
          <> · Participants: <span class='participants'>{present.map(p => `${p.name} (${p.role}${p.seesHistory ? '' : ', no history'})`).join(', ')}</span></>
        )}
      </div>
      <div class='conversation-actions'>
        {offers.has(c.id) && <OfferButtons conversationId={c.id} />}
        {manager && can('transferConversation') && button('transfer', 'Transfer')}
        {manager && button('close', 'Close')}
        {manager && can('markConversationSpam') && button('spam', 'Spam')}
        {schema.core('Query', 'clientConversations') && button('history', 'History')}
        {open && !mine && can('takeOverConversation') && button('takeOver', 'Take over')}
        {manager && can('inviteToConversation') && button('invite', 'Invite')}
        {open && invited && can('leaveConversation') && button('leave', 'Leave')}
        {manager && can('setConversationSilent') && button('silent', c.silent === true ? 'Silent: on' : 'Silent: off', c.silent === true ? 'on' : '')}
        {manager && !pinned && can('pinConversation') && button('pin', 'Lock as mine')}
        {manager && pinned && can('unpinConversation') && button('unpin', 'Unlock')}
        {actionsFor('conversation', name => schema.plugin('Mutation', name), { conversation: c }).map(a => (
          <button key={a.mutation} type='button' class='action' data-action={a.mutation} onClick={() => props.onAction(a)}>{a.label}</button>
        ))}
      </div>
    </header>
  )
}
