import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

/** What does not count against an agent's limit (B5). */
export const limitExclusions = ['answered', 'closing', 'waitingForClient'] as const

export const queueMemberSchema = Type.Union([
  Type.Object({ userId: Type.String({ pattern: '^[0-9]{1,19}$' }) }, { additionalProperties: false }),
  Type.Object({ departmentId: Type.String({ pattern: '^[0-9]{1,19}$' }) }, { additionalProperties: false })
])

/**
 * The core's part of the `queue` settings group (B1, B4, B5, B6); the strategy and its own
 * settings sit beside it in the same group.
 */
export const routingSettingsSchema = Type.Object({
  /** B1: users and whole departments, in queue order; departments are expanded when routing. */
  members: Type.Array(queueMemberSchema, { maxItems: 1000, default: [] }),
  /** B5: per-agent concurrent limit in this open channel. */
  limit: Type.Object({
    enabled: Type.Boolean({ default: false }),
    maxConversations: Type.Integer({ minimum: 1, maximum: 1000, default: 5 }),
    exclude: Type.Array(Type.Union(limitExclusions.map(e => Type.Literal(e))), { uniqueItems: true, default: [] })
  }, { default: {} }),
  /** B4: skip agents who are offline, absent, or (with time tracking) have not started their day. */
  checkAvailability: Type.Boolean({ default: true }),
  timeTracking: Type.Boolean({ default: false }),
  /** B6: what the client sees of the agent. */
  agentDisplay: Type.Object({
    mode: Type.Union([Type.Literal('profile'), Type.Literal('alias'), Type.Literal('hidden')], { default: 'profile' }),
    aliasName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    aliasAvatarUrl: Type.Optional(Type.String({ maxLength: 2000, pattern: '^https?://' }))
  }, { default: {} })
})

export type RoutingSettings = Static<typeof routingSettingsSchema>

/** Stored settings with defaults filled in (older rows, partial JSON). */
export function readRoutingSettings (stored: unknown): RoutingSettings {
  const value = Value.Default(routingSettingsSchema, Value.Clone(typeof stored === 'object' && stored !== null ? stored : {}))
  return Value.Check(routingSettingsSchema, value) ? value : Value.Default(routingSettingsSchema, {}) as RoutingSettings
}
