import type { ChannelConnector } from '@openline/sdk'
import { commentsSettingsSchema, readCommentsSettings } from './commentsSettings.ts'
import { editComment, removeComment, sendComment } from './commentsSend.ts'
import { connectPage, unsubscribePage } from './pageSubscriptions.ts'
import { metaSecretFields, pageTarget } from './settings.ts'

/**
 * Facebook page comments (K8): a comment on one of the page's posts opens a conversation (one per
 * commenter per post); agents' replies go back as replies under the comment. Same page token, app
 * and webhook route as Messenger; the page is subscribed to `feed` as well.
 */
export const commentsConnector: ChannelConnector<typeof commentsSettingsSchema> = {
  id: 'facebook-comments',
  title: 'Facebook page comments',
  settingsSchema: commentsSettingsSchema,
  secretFields: metaSecretFields,
  // Public replies can be edited and deleted (private replies, Messenger messages, cannot); no typing or buttons.
  capabilities: { typing: false, edits: true, deletes: true, attachments: true, buttons: false },

  connect: ({ settings, connectionId }, ctx) => connectPage(ctx, pageTarget(readCommentsSettings(settings)), 'facebook-comments', { connectionId, verifyToken: settings.verifyToken }),

  async disconnect ({ settings, externalAccountId, connectionId }, ctx) {
    await unsubscribePage(ctx, pageTarget(readCommentsSettings(settings)), externalAccountId, connectionId)
  },

  send: (delivery, ctx) => sendComment(delivery, ctx),
  edit: (delivery) => editComment(delivery),
  remove: (delivery) => removeComment(delivery)
}
