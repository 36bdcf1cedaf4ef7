import type { EntityManager } from '@mikro-orm/core'
import { isId } from '../ids.ts'
import { OpenlineError, errorCodes } from '@openline/sdk'
import type { Permissions } from '@openline/sdk'
import type { Core } from '../core.ts'
import { builtinRoles, normalizePermissions, storedPermissions } from './permissions.ts'

// Raw SQL throughout the auth module: `?` placeholders (MikroORM's em.execute). Arrays are passed
// as PostgreSQL array literals (`any(?::bigint[])`), because em.execute expands JS arrays into lists.

export interface RoleRecord {
  id: string
  name: string
  builtin: boolean
  permissions: Permissions
  /** ISO 8601. */
  createdAt: string
}

type Row = Record<string, any>

/** A fresh entity manager's raw query, for reads outside a transaction. */
export async function readRows<R = Row> (core: Core, sql: string, params: unknown[] = []): Promise<R[]> {
  return core.orm.em.fork().execute(sql, params) as Promise<R[]>
}

export async function execRows<R = Row> (em: EntityManager, sql: string, params: unknown[] = []): Promise<R[]> {
  return (em as any).execute(sql, params) as Promise<R[]>
}

/** Ids are bigints as strings; anything else can never name a row. */
export { isId }

/** `{1,2,3}` for `any(?::bigint[])`; only call with ids checked by `isId`. */
export function idArray (ids: readonly string[]): string {
  return `{${ids.join(',')}}`
}

export function validationError (path: string, message: string): OpenlineError {
  return new OpenlineError(errorCodes.validation, `${path.slice(1) || 'input'} ${message}`, { fields: [{ path, message }] })
}

export function notFound (what: string): OpenlineError {
  return new OpenlineError(errorCodes.notFound, `${what} not found`, { statusCode: 404 })
}

export function conflict (message: string, fields?: { path: string, message: string }[]): OpenlineError {
  return new OpenlineError(errorCodes.conflict, message, { statusCode: 409, fields })
}

/** PostgreSQL unique violation, as raised through MikroORM or pg. */
export function isUniqueViolation (err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '23505' || (err as Error | null)?.constructor?.name === 'UniqueConstraintViolationException'
}

export function isForeignKeyViolation (err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '23503' || (err as Error | null)?.constructor?.name === 'ForeignKeyConstraintViolationException'
}

/** A trimmed, non-empty name of at most `max` characters, or OL_VALIDATION on `path`. */
export function cleanName (value: unknown, path: string, max = 255): string {
  if (typeof value !== 'string') throw validationError(path, 'must be a string')
  const name = value.trim()
  if (name.length === 0) throw validationError(path, 'must not be empty')
  if (name.length > max) throw validationError(path, `must be at most ${max} characters long`)
  return name
}

const roleColumns = `r.id, r.name, r.builtin, r.permissions, to_json(r.created_at) #>> '{}' as created_at`

export function roleFromRow (row: Row): RoleRecord {
  return { id: String(row.id), name: row.name, builtin: row.builtin === true, permissions: storedPermissions(row.permissions), createdAt: row.created_at }
}

/**
 * Create the builtin roles that are missing. Idempotent and run at every boot: an existing role
 * keeps its (possibly customised) permissions; a pre-existing custom role with a builtin name
 * becomes builtin.
 */
export async function ensureBuiltinRoles (core: Core): Promise<void> {
  await core.orm.em.fork().transactional(async (em) => {
    for (const [name, permissions] of Object.entries(builtinRoles)) {
      await execRows(em, `insert into roles (name, builtin, permissions) values (?, true, ?::jsonb)
        on conflict (name) do update set builtin = true where roles.builtin = false`, [name, JSON.stringify(permissions)])
    }
  })
}

export async function listRoles (core: Core): Promise<RoleRecord[]> {
  const rows = await readRows(core, `select ${roleColumns} from roles r order by r.builtin desc, r.name`)
  return rows.map(roleFromRow)
}

export async function getRole (core: Core, id: string): Promise<RoleRecord | null> {
  if (!isId(id)) return null
  const [row] = await readRows(core, `select ${roleColumns} from roles r where r.id = ?`, [id])
  return row === undefined ? null : roleFromRow(row)
}

/** A role by id or, failing that, by name (seed scripts say 'admin'); OL_VALIDATION on `path` when none. */
export async function resolveRoleId (em: EntityManager, role: unknown, path = '/role'): Promise<string> {
  if (typeof role !== 'string' || role.trim() === '') throw validationError(path, 'must name a role')
  const key = role.trim()
  const rows = await execRows(em, `select id from roles where ${isId(key) ? 'id = ? or ' : ''}name = ? order by (name = ?) limit 1`,
    isId(key) ? [key, key, key] : [key, key])
  if (rows.length === 0) throw validationError(path, 'is not an existing role')
  return String(rows[0].id)
}

/**
 * Serialise changes that could leave nobody able to administer users or roles; call first in the
 * transaction, then `assertManagersRemain` last.
 */
export async function lockManagers (em: EntityManager): Promise<void> {
  await execRows(em, `select pg_advisory_xact_lock(hashtext('openline.auth.managers'))`)
}

/**
 * Refuse (OL_CONFLICT) a change after which no active user could manage users or roles: the
 * installation would be locked for good. An installation with no active user at all is exempt
 * (first setup).
 */
export async function assertManagersRemain (em: EntityManager): Promise<void> {
  const [row] = await execRows(em, `select
      exists (select 1 from users where active) as anyone,
      exists (select 1 from users u join roles r on r.id = u.role_id where u.active and r.permissions @> '{"manageUsers": true}'::jsonb) as users_ok,
      exists (select 1 from users u join roles r on r.id = u.role_id where u.active and r.permissions @> '{"manageRoles": true}'::jsonb) as roles_ok`)
  if (row.anyone === true && (row.users_ok !== true || row.roles_ok !== true)) {
    throw conflict('At least one active user must keep the manageUsers and manageRoles permissions')
  }
}

export interface RoleInput {
  name?: string
  permissions?: unknown
}

export async function createRole (core: Core, input: RoleInput): Promise<RoleRecord> {
  const name = cleanName(input.name, '/name', 64)
  const permissions = normalizePermissions(input.permissions ?? {}, '/permissions')
  try {
    const id = await core.transaction(async (tx) => {
      const [row] = await execRows(tx.em, `insert into roles (name, builtin, permissions) values (?, false, ?::jsonb) returning id`, [name, JSON.stringify(permissions)])
      return String(row.id)
    })
    return (await getRole(core, id))!
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`A role named "${name}" already exists`, [{ path: '/name', message: 'is already taken' }])
    throw err
  }
}

/** Rename (custom roles only) and/or replace the permissions (any role, builtin ones included). */
export async function updateRole (core: Core, id: string, input: RoleInput): Promise<RoleRecord> {
  const name = input.name === undefined || input.name === null ? undefined : cleanName(input.name, '/name', 64)
  const permissions = input.permissions === undefined || input.permissions === null ? undefined : normalizePermissions(input.permissions, '/permissions')
  if (!isId(id)) throw notFound('Role')
  try {
    await core.transaction(async (tx) => {
      await lockManagers(tx.em)
      const [role] = await execRows(tx.em, 'select id, name, builtin from roles where id = ? for update', [id])
      if (role === undefined) throw notFound('Role')
      if (name !== undefined && name !== role.name) {
        if (role.builtin === true) throw conflict('A builtin role cannot be renamed', [{ path: '/name', message: 'builtin roles keep their name' }])
        await execRows(tx.em, 'update roles set name = ? where id = ?', [name, id])
      }
      if (permissions !== undefined) {
        await execRows(tx.em, 'update roles set permissions = ?::jsonb where id = ?', [JSON.stringify(permissions), id])
        await assertManagersRemain(tx.em)
      }
    })
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`A role named "${name}" already exists`, [{ path: '/name', message: 'is already taken' }])
    throw err
  }
  return (await getRole(core, id))!
}

/** Builtin roles and roles still held by a user (active or not) cannot be deleted: OL_CONFLICT. */
export async function deleteRole (core: Core, id: string): Promise<void> {
  if (!isId(id)) throw notFound('Role')
  try {
    await core.transaction(async (tx) => {
      const [role] = await execRows(tx.em, `select builtin, (select count(*) from users where role_id = roles.id)::int as holders from roles where id = ? for update`, [id])
      if (role === undefined) throw notFound('Role')
      if (role.builtin === true) throw conflict('A builtin role cannot be deleted')
      if (role.holders > 0) throw conflict(`The role is held by ${role.holders} user(s); give them another role first`)
      await execRows(tx.em, 'delete from roles where id = ?', [id])
    })
  } catch (err) {
    // A user given this role between our check and the delete: the foreign key says no.
    if (isForeignKeyViolation(err)) throw conflict('The role is held by a user; give them another role first')
    throw err
  }
}
