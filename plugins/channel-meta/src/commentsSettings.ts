import { Type, type Static } from '@openline/sdk'
import { metaSettingsSchema, readSettings, type MetaSettings } from './settings.ts'

/**
 * Page comments (`facebook-comments`): the page's settings plus how agents' replies go out —
 * `public` as a reply under the client's comment, `private` as one private reply per comment
 * (Messenger, `recipient.comment_id`) and public replies after that.
 */
export const commentsSettingsSchema = Type.Object({
  ...metaSettingsSchema.properties,
  replyMode: Type.Union([Type.Literal('public'), Type.Literal('private')], { default: 'public' })
})

export type CommentsSettings = Static<typeof commentsSettingsSchema>

export function readCommentsSettings (settings: Record<string, unknown>, secrets: Record<string, unknown> = {}): MetaSettings & { replyMode: 'public' | 'private' } {
  return { ...readSettings(settings, secrets), replyMode: settings.replyMode === 'private' ? 'private' : 'public' }
}
