import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { OpenlineError, errorCodes } from '@openline/sdk'
import type { AuthUser, HistoryScope, Permissions } from '@openline/sdk'

export type { Permissions, HistoryScope }

/** Yes/no permissions a resolver can demand with `context.requirePermission`. */
export type Permission = 'manageOpenChannels' | 'manageUsers' | 'manageRoles'

export const permissionNames: readonly Permission[] = ['manageOpenChannels', 'manageUsers', 'manageRoles']
export const historyScopes: readonly HistoryScope[] = ['own', 'department', 'all']

/** What a role's `permissions` JSON may hold; absent fields mean "not allowed" / 'own'. */
export const permissionsSchema = Type.Object({
  manageOpenChannels: Type.Optional(Type.Boolean()),
  manageUsers: Type.Optional(Type.Boolean()),
  manageRoles: Type.Optional(Type.Boolean()),
  viewHistory: Type.Optional(Type.Union(historyScopes.map(s => Type.Literal(s))))
}, { additionalProperties: false })

export type BuiltinRoleName = 'admin' | 'supervisor' | 'agent'

/** The roles every installation has (J1); admins may later customise their permissions. */
export const builtinRoles: Readonly<Record<BuiltinRoleName, Readonly<Permissions>>> = Object.freeze({
  admin: Object.freeze({ manageOpenChannels: true, manageUsers: true, manageRoles: true, viewHistory: 'all' as const }),
  supervisor: Object.freeze({ manageOpenChannels: false, manageUsers: false, manageRoles: false, viewHistory: 'all' as const }),
  agent: Object.freeze({ manageOpenChannels: false, manageUsers: false, manageRoles: false, viewHistory: 'own' as const })
})

export const noPermissions: Readonly<Permissions> = builtinRoles.agent

/**
 * Validate a permissions object (from an API input) and fill in what is absent.
 * Unknown keys and wrong types fail with OL_VALIDATION, one field error each, under `pathPrefix`.
 */
export function normalizePermissions (json: unknown, pathPrefix = ''): Permissions {
  const candidate = json ?? {}
  const errors = [...Value.Errors(permissionsSchema, candidate)]
  if (errors.length > 0) {
    const fields = errors.map(e => ({ path: `${pathPrefix}${e.path}` || '/', message: e.message }))
    throw new OpenlineError(errorCodes.validation, `Invalid permissions: ${fields.map(f => `${f.path} ${f.message}`).join('; ')}`, { fields })
  }
  const p = candidate as Partial<Permissions>
  return {
    manageOpenChannels: p.manageOpenChannels ?? false,
    manageUsers: p.manageUsers ?? false,
    manageRoles: p.manageRoles ?? false,
    viewHistory: p.viewHistory ?? 'own'
  }
}

/**
 * Read a role's stored permissions without throwing: anything malformed counts as "not allowed",
 * so a damaged row can only take rights away, never grant them.
 */
export function storedPermissions (json: unknown): Permissions {
  const p = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>
  return {
    manageOpenChannels: p.manageOpenChannels === true,
    manageUsers: p.manageUsers === true,
    manageRoles: p.manageRoles === true,
    viewHistory: historyScopes.includes(p.viewHistory as HistoryScope) ? p.viewHistory as HistoryScope : 'own'
  }
}

const aliasPattern = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * A SQL boolean condition over the conversations table aliased `alias`, true only for the
 * conversations whose history `user` may see (J1). Placeholders are `?` (em.execute / tx.query
 * style); append `params` to yours in the order the condition appears in your SQL.
 * - own: assigned to the user, or the user is or was a participant (one who left keeps seeing it);
 * - department: own, plus conversations assigned to anyone sharing a department with the user;
 * - all: every conversation.
 * Queue visibility (conversations offered to an agent) is routing's business, not this condition's.
 */
export function historyCondition (user: AuthUser, alias = 'c'): { sql: string, params: unknown[] } {
  if (!aliasPattern.test(alias)) throw new Error(`historyCondition: invalid table alias "${alias}"`)
  const scope = user.permissions.viewHistory
  if (scope === 'all') return { sql: 'true', params: [] }
  const own = `${alias}.assignee_id = ? or exists (select 1 from conversation_participants hc_p where hc_p.conversation_id = ${alias}.id and hc_p.user_id = ?)`
  if (scope === 'department') {
    // Memberships are read in the query (not from user.departmentIds) so a change applies at once.
    const department = `${alias}.assignee_id in (select hc_m2.user_id from department_members hc_m1 join department_members hc_m2 on hc_m2.department_id = hc_m1.department_id where hc_m1.user_id = ?)`
    return { sql: `(${own} or ${department})`, params: [user.id, user.id, user.id] }
  }
  return { sql: `(${own})`, params: [user.id, user.id] }
}

/** True when `user` holds `permission`. */
export function can (user: AuthUser | null | undefined, permission: Permission): boolean {
  return user?.permissions[permission] === true
}
