// The conversation list's columns. A registry, so later features (#6: first response, response
// time, rating) add a column with the fields it needs without touching the list itself.
import type { ComponentChild } from 'preact'
import type { Conversation, UserRef } from './types.ts'
import { connectorLabel, conversationName, statusLabels, timeOf, userName } from './format.ts'

export interface ColumnEnv {
  users: Map<string, UserRef>
}

export interface ConversationColumn {
  id: string
  title: string
  /** Conversation fields this column reads beyond the console's own, with their GraphQL selection. */
  fields?: [field: string, selection: string][]
  render: (c: Conversation, env: ColumnEnv) => ComponentChild
}

const columns: ConversationColumn[] = [
  { id: 'client', title: 'Client', render: (c) => conversationName(c) },
  { id: 'channel', title: 'Channel', render: (c) => <span class='channel-mark'>{connectorLabel(c.connector)}</span> },
  { id: 'status', title: 'Status', render: (c) => <span class={`status status-${c.status}`}>{statusLabels[c.status] ?? c.status}</span> },
  { id: 'assignee', title: 'Assignee', render: (c, env) => userName(env.users, c.assigneeId) },
  { id: 'updated', title: 'Updated', render: (c) => timeOf(c.updatedAt) },
  { id: 'preview', title: 'Last message', render: (c) => <span class='preview'>{c.preview ?? ''}</span> }
]

/** Add a column (or replace one with the same id). */
export function registerColumn (column: ConversationColumn): void {
  const at = columns.findIndex(c => c.id === column.id)
  if (at === -1) columns.push(column)
  else columns[at] = column
}

/** Columns whose fields the server has. */
export function visibleColumns (has: (field: string) => boolean): ConversationColumn[] {
  return columns.filter(c => (c.fields ?? []).every(([field]) => has(field)))
}

export function columnFields (): [string, string][] {
  return columns.flatMap(c => c.fields ?? [])
}
