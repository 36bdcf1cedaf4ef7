import { Type, type Static } from '@openline/sdk'

export const crmOptions = Type.Object({
  /** How long a form link stays valid after it was sent. */
  formLinkTtlHours: Type.Integer({ minimum: 1, maximum: 720, default: 72 }),
  /** Signs form links; when absent the plugin makes one at first start and keeps it in its table. */
  formSecret: Type.Optional(Type.String({ minLength: 32, maxLength: 512 }))
})

export type CrmOptions = Static<typeof crmOptions>
