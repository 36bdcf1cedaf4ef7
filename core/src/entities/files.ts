import { defineEntity, p } from '@mikro-orm/core'
import { User } from './identity.ts'

/** A file an agent uploaded, waiting to be attached to a message (or already attached). */
export const Upload = defineEntity({
  name: 'Upload',
  tableName: 'uploads',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    user: () => p.manyToOne(User).nullable().deleteRule('cascade').index(),
    storageKey: p.text(),
    name: p.text(),
    mimeType: p.text(),
    size: p.integer(),
    createdAt: p.datetime().defaultRaw('now()')
  }
})
