// Automatic actions in the API: the `automaticActions` group, the subscribers, the timer jobs,
// the hold-after-close hook and `Conversation.unanswered`.
import { coreEvents, subscribe } from '@openline/sdk'
import type { AutomationFeature, ResolverContext } from './feature.ts'
import { automaticActionsGroup } from './automaticActions.ts'
import {
  autoCloseJob, beforeClose, jobNames, noAnswerJob, onConversationOpened, onConversationWaiting, onMessageCreated, onMessageReceived, onStatusChanged, unansweredJob
} from './actions.ts'
import { readRows } from './read.ts'

const typeDefs = /* GraphQL */ `
  extend type Conversation {
    "E3: no agent replied within the channel's markUnansweredAfterMin of the client's first message; cleared by the first agent reply."
    unanswered: Boolean!
  }
`

export const actionsFeature: AutomationFeature = {
  name: 'automaticActions',
  settingsGroups: [automaticActionsGroup],
  // One subscriber per event for the whole plugin, so the texts of one moment go out in a fixed order.
  on: [
    subscribe(coreEvents.conversationOpened, onConversationOpened),
    subscribe(coreEvents.messageReceived, onMessageReceived),
    subscribe(coreEvents.messageCreated, onMessageCreated),
    subscribe(coreEvents.conversationStatusChanged, onStatusChanged),
    subscribe(coreEvents.conversationWaiting, onConversationWaiting)
  ],
  jobs: {
    [jobNames.unanswered]: unansweredJob,
    [jobNames.noAnswer]: noAnswerJob,
    [jobNames.autoClose]: autoCloseJob
  },
  hooks: {
    'conversation.beforeClose': beforeClose
  },
  agentGraphQL: (ctx) => ({
    typeDefs,
    resolvers: {
      Conversation: {
        unanswered: async (conversation: { id: string }, _args: unknown, context: ResolverContext) => {
          context.requireUser()
          const rows = await readRows<{ marked: boolean }>(ctx, 'select exists (select 1 from automation_unanswered where conversation_id = ?) as marked', [conversation.id])
          return rows[0]?.marked === true
        }
      }
    }
  })
}
