import { Type, type Static } from '@openline/sdk'

export const tasksOptions = Type.Object({
  /**
   * Where staff open a conversation: a path on `publicUrl` or an absolute URL, with
   * `{conversationId}` in it. Tasks and calendar events link back to their conversation with it.
   */
  conversationLink: Type.String({ minLength: 1, maxLength: 500, default: '/plugins/console/#/conversations/{conversationId}' })
})

export type TasksOptions = Static<typeof tasksOptions>
