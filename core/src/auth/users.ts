import type { EntityManager } from '@mikro-orm/core'
import type { Core } from '../core.ts'
import { hashPassword, validatePassword, verifyPassword, burnVerification } from './passwords.ts'
import {
  type RoleRecord, readRows, execRows, isId, idArray, validationError, notFound, conflict, isUniqueViolation,
  cleanName, roleFromRow, resolveRoleId, lockManagers, assertManagersRemain
} from './roles.ts'

/** A staff member as the API shows it; never the password hash or the token version. */
export interface UserRecord {
  id: string
  email: string
  name: string
  active: boolean
  avatarUrl: string | null
  /** ISO 8601. */
  createdAt: string
  role: RoleRecord
  departmentIds: string[]
}

type Row = Record<string, any>

/** One round trip: the user, their role and their department ids. */
export const userSelect = `select u.id, u.email, u.name, u.active, u.avatar_url, to_json(u.created_at) #>> '{}' as created_at,
    r.id as role_id, r.name as role_name, r.builtin as role_builtin, r.permissions as role_permissions,
    to_json(r.created_at) #>> '{}' as role_created_at,
    coalesce((select array_agg(dm.department_id::text order by dm.department_id) from department_members dm where dm.user_id = u.id), '{}') as department_ids
  from users u join roles r on r.id = u.role_id`

export function userFromRow (row: Row): UserRecord {
  return {
    id: String(row.id),
    email: row.email,
    name: row.name,
    active: row.active === true,
    avatarUrl: row.avatar_url ?? null,
    createdAt: row.created_at,
    role: roleFromRow({ id: row.role_id, name: row.role_name, builtin: row.role_builtin, permissions: row.role_permissions, created_at: row.role_created_at }),
    departmentIds: (row.department_ids ?? []).map(String)
  }
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/** Trimmed and lower-cased, so `Ann@X.org ` and `ann@x.org` are one account. */
export function normalizeEmail (value: string): string {
  return value.trim().toLowerCase()
}

export function cleanEmail (value: unknown, path = '/email'): string {
  if (typeof value !== 'string') throw validationError(path, 'must be a string')
  const email = normalizeEmail(value)
  if (email.length > 254 || !emailPattern.test(email)) throw validationError(path, 'is not a valid e-mail address')
  return email
}

function cleanAvatarUrl (value: unknown, path = '/avatarUrl'): string | null {
  if (value === null || value === '') return null
  if (typeof value !== 'string' || value.length > 255 || !/^https?:\/\/\S+$/.test(value)) throw validationError(path, 'must be an http(s) URL of at most 255 characters')
  return value
}

function cleanIds (value: unknown, path: string): string[] {
  if (!Array.isArray(value)) throw validationError(path, 'must be a list of ids')
  const ids = [...new Set(value.map(String))]
  const bad = ids.findIndex(id => !isId(id))
  if (bad >= 0) throw validationError(`${path}/${bad}`, 'is not a valid id')
  return ids
}

async function assertDepartmentsExist (em: EntityManager, ids: string[], path: string): Promise<void> {
  if (ids.length === 0) return
  const rows = await execRows(em, 'select id::text as id from departments where id = any(?::bigint[])', [idArray(ids)])
  const found = new Set(rows.map(r => r.id))
  const missing = ids.findIndex(id => !found.has(id))
  if (missing >= 0) throw validationError(`${path}/${missing}`, 'is not an existing department')
}

async function setDepartments (em: EntityManager, userId: string, ids: string[]): Promise<void> {
  await execRows(em, 'delete from department_members where user_id = ? and not (department_id = any(?::bigint[]))', [userId, idArray(ids)])
  if (ids.length > 0) {
    await execRows(em, `insert into department_members (department_id, user_id)
      select d, ? from unnest(?::bigint[]) as d on conflict do nothing`, [userId, idArray(ids)])
  }
}

function emailTaken (email: string): Error {
  return conflict(`A user with e-mail ${email} already exists`, [{ path: '/email', message: 'is already taken' }])
}

export interface CreateUserInput {
  email: string
  name: string
  password: string
  /** Role id or name. */
  role: string
  departmentIds?: string[]
  avatarUrl?: string | null
}

/** Create a staff member. Needs no request: the seed and the test harness call it directly. */
export async function createUser (core: Core, input: CreateUserInput): Promise<{ id: string }> {
  const email = cleanEmail(input.email)
  const name = cleanName(input.name, '/name')
  validatePassword(input.password)
  const departmentIds = input.departmentIds === undefined || input.departmentIds === null ? [] : cleanIds(input.departmentIds, '/departmentIds')
  const avatarUrl = input.avatarUrl === undefined ? null : cleanAvatarUrl(input.avatarUrl)
  // Hash before opening the transaction: argon2 is slow on purpose.
  const passwordHash = await hashPassword(input.password)
  try {
    return await core.transaction(async (tx) => {
      const roleId = await resolveRoleId(tx.em, input.role)
      await assertDepartmentsExist(tx.em, departmentIds, '/departmentIds')
      const [row] = await execRows(tx.em, `insert into users (email, name, password_hash, role_id, avatar_url) values (?, ?, ?, ?, ?) returning id`,
        [email, name, passwordHash, roleId, avatarUrl])
      const id = String(row.id)
      await setDepartments(tx.em, id, departmentIds)
      return { id }
    })
  } catch (err) {
    if (isUniqueViolation(err)) throw emailTaken(email)
    throw err
  }
}

export interface UpdateUserInput {
  email?: string
  name?: string
  /** Role id or name. */
  role?: string
  active?: boolean
  /** Replaces the user's memberships. */
  departmentIds?: string[]
  avatarUrl?: string | null
}

/**
 * Change a user's profile, role, memberships or active flag. Deactivating also ends every session
 * (dismissed users cannot sign in and their tokens stop working). Refuses a change that would
 * leave no active user able to manage users and roles.
 */
export async function updateUser (core: Core, id: string, input: UpdateUserInput): Promise<UserRecord> {
  const set: string[] = []
  const params: unknown[] = []
  let email: string | undefined
  if (input.email !== undefined && input.email !== null) {
    email = cleanEmail(input.email)
    set.push('email = ?'); params.push(email)
  }
  if (input.name !== undefined && input.name !== null) { set.push('name = ?'); params.push(cleanName(input.name, '/name')) }
  if (input.avatarUrl !== undefined) { set.push('avatar_url = ?'); params.push(cleanAvatarUrl(input.avatarUrl)) }
  if (input.active !== undefined && input.active !== null) {
    if (typeof input.active !== 'boolean') throw validationError('/active', 'must be a boolean')
    set.push('active = ?'); params.push(input.active)
    if (!input.active) set.push('token_version = token_version + 1')
  }
  const departmentIds = input.departmentIds === undefined || input.departmentIds === null ? undefined : cleanIds(input.departmentIds, '/departmentIds')
  if (!isId(id)) throw notFound('User')
  try {
    await core.transaction(async (tx) => {
      await lockManagers(tx.em)
      const sets = [...set, 'updated_at = now()']
      const values = [...params]
      if (input.role !== undefined && input.role !== null) {
        sets.push('role_id = ?'); values.push(await resolveRoleId(tx.em, input.role))
      }
      if (departmentIds !== undefined) await assertDepartmentsExist(tx.em, departmentIds, '/departmentIds')
      const rows = await execRows(tx.em, `update users set ${sets.join(', ')} where id = ? returning id`, [...values, id])
      if (rows.length === 0) throw notFound('User')
      if (departmentIds !== undefined) await setDepartments(tx.em, id, departmentIds)
      await assertManagersRemain(tx.em)
    })
  } catch (err) {
    if (isUniqueViolation(err)) throw emailTaken(email ?? '')
    throw err
  }
  return (await getUser(core, id))!
}

/** Dismiss a user: they can no longer sign in and their tokens stop working. */
export async function deactivateUser (core: Core, id: string): Promise<UserRecord> {
  return updateUser(core, id, { active: false })
}

/** Invalidate every token issued so far; returns the new version for a fresh token. */
async function bumpTokenVersion (em: EntityManager, id: string, passwordHash?: string): Promise<number> {
  const rows = passwordHash === undefined
    ? await execRows(em, 'update users set token_version = token_version + 1, updated_at = now() where id = ? returning token_version', [id])
    : await execRows(em, 'update users set password_hash = ?, token_version = token_version + 1, updated_at = now() where id = ? returning token_version', [passwordHash, id])
  if (rows.length === 0) throw notFound('User')
  return Number(rows[0].token_version)
}

/**
 * The signed-in user changes their own password: the current one is required (OL_VALIDATION on
 * `/currentPassword` when wrong) and every older token dies.
 */
export async function changePassword (core: Core, userId: string, currentPassword: string, newPassword: string): Promise<{ id: string, tokenVersion: number }> {
  validatePassword(newPassword, '/newPassword')
  if (!isId(userId)) throw notFound('User')
  const [row] = await readRows(core, 'select password_hash from users where id = ? and active', [userId])
  if (row === undefined) throw notFound('User')
  if (!await verifyPassword(row.password_hash, currentPassword)) throw validationError('/currentPassword', 'is not your current password')
  const passwordHash = await hashPassword(newPassword)
  const tokenVersion = await core.transaction(tx => bumpTokenVersion(tx.em, userId, passwordHash))
  return { id: userId, tokenVersion }
}

/** An administrator sets someone's password; that user's tokens all die. */
export async function setPassword (core: Core, userId: string, password: string): Promise<{ id: string, tokenVersion: number }> {
  validatePassword(password)
  if (!isId(userId)) throw notFound('User')
  const passwordHash = await hashPassword(password)
  const tokenVersion = await core.transaction(tx => bumpTokenVersion(tx.em, userId, passwordHash))
  return { id: userId, tokenVersion }
}

/** "Log out everywhere": every token issued so far stops working. */
export async function logoutEverywhere (core: Core, userId: string): Promise<{ id: string, tokenVersion: number }> {
  if (!isId(userId)) throw notFound('User')
  const tokenVersion = await core.transaction(tx => bumpTokenVersion(tx.em, userId))
  return { id: userId, tokenVersion }
}

/**
 * The user these credentials belong to, or null — the same null for an unknown e-mail, a wrong
 * password and a dismissed user, after the same amount of work.
 */
export async function checkCredentials (core: Core, email: string, password: string): Promise<{ id: string, tokenVersion: number } | null> {
  const [row] = typeof email === 'string'
    ? await readRows(core, 'select id, password_hash, active, token_version from users where email = ?', [normalizeEmail(email)])
    : []
  if (row === undefined) {
    await burnVerification(password)
    return null
  }
  const ok = await verifyPassword(row.password_hash, password)
  if (!ok || row.active !== true) return null
  return { id: String(row.id), tokenVersion: Number(row.token_version) }
}

export async function getUser (core: Core, id: string): Promise<UserRecord | null> {
  if (!isId(id)) return null
  const [row] = await readRows(core, `${userSelect} where u.id = ?`, [id])
  return row === undefined ? null : userFromRow(row)
}

/** Users by id, in no particular order; unknown ids are left out. */
export async function getUsers (core: Core, ids: readonly string[]): Promise<UserRecord[]> {
  const valid = ids.filter(isId)
  if (valid.length === 0) return []
  const rows = await readRows(core, `${userSelect} where u.id = any(?::bigint[])`, [idArray(valid)])
  return rows.map(userFromRow)
}

export async function listUsers (core: Core, options: { includeInactive?: boolean } = {}): Promise<UserRecord[]> {
  const rows = await readRows(core, `${userSelect} ${options.includeInactive === true ? '' : 'where u.active'} order by u.name, u.id`)
  return rows.map(userFromRow)
}
