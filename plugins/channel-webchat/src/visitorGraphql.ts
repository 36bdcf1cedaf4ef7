// The visitor API (`/visitor/graphql`): the widget's only door. Its types describe one visitor's
// transcript; nothing here can name a staff-only field, an internal note or another visitor.
import mercurius from 'mercurius'
import type { GraphQLResolveInfo } from 'graphql'
import { OpenlineError, errorCodes, isId, type Attachment, type GraphQLExtension, type VisitorContext } from '@openline/sdk'
import { authenticate, startVisit, widgetAccess, type Ctx } from './visitors.ts'
import { currentConversation, readTranscript, type TranscriptMessage } from './transcript.ts'
import { pressButton, sendVisitorMessage } from './inbound.ts'
import { widgetInfo } from './widgetInfo.ts'
import { visitorTopic, type VisitorEvent } from './push.ts'

const { withFilter } = mercurius

const typeDefs = /* GraphQL */ `
  "The consent notice (D1) of the widget's open channel."
  type WidgetConsent { text: String!, version: String! }

  type Widget {
    key: String!
    "The connection's title, else the open channel's name."
    title: String!
    "The open channel's language: the widget's strings follow it."
    language: String!
    "Accent colour, #rrggbb."
    color: String
    "right or left"
    position: String!
    "False outside working hours when the channel shows its widget only during them (C3)."
    show: Boolean!
    "Present when the open channel asks for consent."
    consent: WidgetConsent
  }

  type Visitor { id: ID!, name: String, email: String }

  type Visit {
    "Keep it (secret): send it as Authorization: Bearer, or as visitorToken in connection_init."
    token: String!
    visitor: Visitor!
  }

  type VisitorAttachment {
    kind: String!
    name: String
    mimeType: String
    size: Int
    "A short-lived download link (minutes); read the transcript again for a fresh one."
    url: String
  }

  type VisitorButton {
    text: String!
    "Send it back with pressButton."
    data: String
    "Or open this link."
    url: String
  }

  type VisitorMessage {
    id: ID!
    "True for the visitor's own messages; false for the helpdesk's."
    fromVisitor: Boolean!
    "The id the widget gave when sending."
    clientMessageId: String
    text: String!
    "The agent as the channel shows them (B6); null for automatic messages or a hidden agent."
    senderName: String
    senderAvatarUrl: String
    attachments: [VisitorAttachment!]!
    buttons: [VisitorButton!]!
    "A CRM form sent in this message: read it with crmForm(token) when the API has it (the CRM plugin), else use the link button."
    crmFormToken: String
    createdAt: DateTime!
    editedAt: DateTime
    "Withdrawn by the helpdesk: text, files and buttons are gone."
    deleted: Boolean!
  }

  type VisitorMessagePage { nodes: [VisitorMessage!]!, "Pass as before for older messages" previousCursor: String }

  type VisitorEvent {
    "messageAdded, messageChanged or agentTyping"
    kind: String!
    message: VisitorMessage
    at: DateTime!
  }

  extend type Query {
    "A widget by its public key; null when there is none."
    widget(key: String!): Widget
    me: Visitor!
    "The visitor's transcript, oldest first; at most 100 a page."
    visitorMessages(last: Int = 50, before: ID): VisitorMessagePage!
  }

  extend type Mutation {
    "A new visitor of the widget (rate-limited per address)."
    startVisit(key: String!, name: String, email: String, locale: String): Visit!
    "clientMessageId: a UUID made by the widget, so that a retry is not a second message."
    sendVisitorMessage(text: String = "", clientMessageId: String!, attachmentIds: [ID!]): VisitorMessage!
    "The visitor is typing (agents may see a preview); false when throttled or before the first message."
    visitorTyping(preview: String): Boolean!
    pressButton(messageId: ID!, data: String!): VisitorMessage!
  }

  extend type Subscription {
    "Messages added or changed in the visitor's transcript, and agent typing."
    visitorEvents: VisitorEvent!
  }
`

type Context = VisitorContext & { pubsub: { subscribe: (topic: string) => Promise<AsyncIterable<unknown>> } }

const maxPage = 100

/**
 * Errors of a subscription's set-up skip the API's error formatter (mercurius sends them as they
 * are): the code goes along as GraphQL extensions, which graphql-js copies from the original error.
 */
function withCode (err: unknown): unknown {
  return err instanceof OpenlineError ? Object.assign(err, { extensions: { code: err.code } }) : err
}

export function visitorGraphql (ctx: Ctx): GraphQLExtension {
  // Signed only when a visitor's own transcript is read or pushed to them: the link is theirs.
  const withUrl = (a: Attachment): Record<string, unknown> => ({
    kind: a.kind, name: a.name ?? null, mimeType: a.mimeType ?? null, size: a.size ?? null,
    url: a.storageKey === undefined ? null : ctx.files.signedUrl({ storageKey: a.storageKey, name: a.name, mimeType: a.mimeType })
  })

  return {
    typeDefs,
    resolvers: {
      VisitorMessage: {
        attachments: (m: TranscriptMessage) => m.attachments.map(withUrl)
      },
      Query: {
        widget: async (_: unknown, args: { key: string }, context: VisitorContext) => {
          try {
            return await widgetInfo(ctx, await widgetAccess(ctx, args.key, context.visitor.origin))
          } catch (err) {
            if (err instanceof OpenlineError && err.code === errorCodes.notFound) return null
            throw err
          }
        },
        me: async (_: unknown, __: unknown, context: VisitorContext) => (await authenticate(ctx, context.visitor)).visitor,
        visitorMessages: async (_: unknown, args: { last: number, before?: string | null }, context: VisitorContext) => {
          const { visitor } = await authenticate(ctx, context.visitor)
          if (!Number.isInteger(args.last) || args.last < 1 || args.last > maxPage) {
            throw new OpenlineError(errorCodes.validation, `Page size must be 1–${maxPage}`, { fields: [{ path: '/last', message: `must be 1–${maxPage}` }] })
          }
          const before = args.before ?? null
          if (before !== null && !isId(before)) throw new OpenlineError(errorCodes.validation, 'Invalid cursor', { fields: [{ path: '/before', message: 'invalid cursor' }] })
          return readTranscript(ctx, visitor.id, args.last, before)
        }
      },
      Mutation: {
        startVisit: async (_: unknown, args: { key: string, name?: string | null, email?: string | null, locale?: string | null }, context: VisitorContext) =>
          startVisit(ctx, args, context.visitor),
        sendVisitorMessage: async (_: unknown, args: { text: string, clientMessageId: string, attachmentIds?: string[] | null }, context: VisitorContext) =>
          sendVisitorMessage(ctx, await authenticate(ctx, context.visitor), args),
        pressButton: async (_: unknown, args: { messageId: string, data: string }, context: VisitorContext) =>
          pressButton(ctx, await authenticate(ctx, context.visitor), args),
        visitorTyping: async (_: unknown, args: { preview?: string | null }, context: VisitorContext) => {
          const { visitor } = await authenticate(ctx, context.visitor)
          // At most one typing event a second per visitor: a widget sends one per keystroke burst.
          const verdict = await ctx.rateLimit(`typing:${visitor.id}`, { max: 1, windowSec: 1 })
          if (!verdict.allowed) return false
          const conversationId = await currentConversation(ctx, visitor.id)
          if (conversationId === null) return false
          await ctx.typing(conversationId, typeof args.preview === 'string' ? args.preview.slice(0, 500) : undefined)
          return true
        }
      },
      Subscription: {
        visitorEvents: {
          // Authenticated (and the socket's Origin checked) before anything is subscribed.
          subscribe: async (root: unknown, args: unknown, context: Context, info: GraphQLResolveInfo) => {
            const { visitor } = await authenticate(ctx, context.visitor).catch((err: unknown) => { throw withCode(err) })
            const filtered = withFilter(
              (_root: unknown, _args: unknown, c: Context) => c.pubsub.subscribe(visitorTopic(visitor.id)),
              (payload: { visitorEvents?: VisitorEvent }) => payload.visitorEvents?.visitorId === visitor.id
            )
            return filtered(root, args, context, info)
          }
        }
      }
    }
  }
}
