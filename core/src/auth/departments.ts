import type { EntityManager } from '@mikro-orm/core'
import type { Core } from '../core.ts'
import { readRows, execRows, isId, validationError, notFound, conflict, isUniqueViolation, isForeignKeyViolation, cleanName } from './roles.ts'

export interface DepartmentRecord {
  id: string
  name: string
  parentId: string | null
  /** Member user ids, active or not. */
  memberIds: string[]
  /** ISO 8601. */
  createdAt: string
}

type Row = Record<string, any>

const departmentSelect = `select d.id, d.name, d.parent_id, to_json(d.created_at) #>> '{}' as created_at,
    coalesce((select array_agg(m.user_id::text order by m.user_id) from department_members m where m.department_id = d.id), '{}') as member_ids
  from departments d`

function departmentFromRow (row: Row): DepartmentRecord {
  return {
    id: String(row.id),
    name: row.name,
    parentId: row.parent_id === null || row.parent_id === undefined ? null : String(row.parent_id),
    memberIds: (row.member_ids ?? []).map(String),
    createdAt: row.created_at
  }
}

export async function listDepartments (core: Core): Promise<DepartmentRecord[]> {
  const rows = await readRows(core, `${departmentSelect} order by d.name, d.id`)
  return rows.map(departmentFromRow)
}

export async function getDepartment (core: Core, id: string): Promise<DepartmentRecord | null> {
  if (!isId(id)) return null
  const [row] = await readRows(core, `${departmentSelect} where d.id = ?`, [id])
  return row === undefined ? null : departmentFromRow(row)
}

function cleanParent (value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null
  if (typeof value !== 'string' || !isId(value)) throw validationError('/parentId', 'is not a valid id')
  return value
}

/** The parent must exist and must not be the department itself or one of its descendants. */
async function assertParent (em: EntityManager, parentId: string, selfId?: string): Promise<void> {
  const ancestors = await execRows(em, `with recursive up (id, parent_id) as (
      select id, parent_id from departments where id = ?
      union select d.id, d.parent_id from departments d join up on d.id = up.parent_id
    ) select id::text as id from up`, [parentId])
  if (ancestors.length === 0) throw validationError('/parentId', 'is not an existing department')
  if (selfId !== undefined && ancestors.some(a => a.id === selfId)) throw validationError('/parentId', 'would make the department its own ancestor')
}

function nameTaken (name: string): Error {
  return conflict(`A department named "${name}" already exists`, [{ path: '/name', message: 'is already taken' }])
}

export async function createDepartment (core: Core, input: { name: string, parentId?: string | null }): Promise<DepartmentRecord> {
  const name = cleanName(input.name, '/name')
  const parentId = cleanParent(input.parentId)
  try {
    const id = await core.transaction(async (tx) => {
      if (parentId !== null) await assertParent(tx.em, parentId)
      const [row] = await execRows(tx.em, 'insert into departments (name, parent_id) values (?, ?) returning id', [name, parentId])
      return String(row.id)
    })
    return (await getDepartment(core, id))!
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(name)
    throw err
  }
}

/** Rename and/or move a department; `parentId: null` makes it top-level, leaving it out keeps the parent. */
export async function updateDepartment (core: Core, id: string, input: { name?: string | null, parentId?: string | null }): Promise<DepartmentRecord> {
  const name = input.name === undefined || input.name === null ? undefined : cleanName(input.name, '/name')
  const moving = Object.hasOwn(input, 'parentId') && input.parentId !== undefined
  const parentId = moving ? cleanParent(input.parentId) : null
  if (!isId(id)) throw notFound('Department')
  try {
    await core.transaction(async (tx) => {
      // Serialise moves so two concurrent ones cannot build a cycle together.
      await execRows(tx.em, `select pg_advisory_xact_lock(hashtext('openline.auth.departments'))`)
      const [found] = await execRows(tx.em, 'select id from departments where id = ? for update', [id])
      if (found === undefined) throw notFound('Department')
      if (name !== undefined) await execRows(tx.em, 'update departments set name = ? where id = ?', [name, id])
      if (moving) {
        if (parentId !== null) await assertParent(tx.em, parentId, id)
        await execRows(tx.em, 'update departments set parent_id = ? where id = ?', [parentId, id])
      }
    })
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(name ?? '')
    throw err
  }
  return (await getDepartment(core, id))!
}

/** Members lose the membership; sub-departments become top-level. */
export async function deleteDepartment (core: Core, id: string): Promise<void> {
  if (!isId(id)) throw notFound('Department')
  await core.transaction(async (tx) => {
    const rows = await execRows(tx.em, 'delete from departments where id = ? returning id', [id])
    if (rows.length === 0) throw notFound('Department')
  })
}

export async function addDepartmentMember (core: Core, departmentId: string, userId: string): Promise<DepartmentRecord> {
  if (!isId(departmentId)) throw notFound('Department')
  if (!isId(userId)) throw notFound('User')
  try {
    await core.transaction(async (tx) => {
      const [row] = await execRows(tx.em, `select exists (select 1 from departments where id = ?) as department_ok, exists (select 1 from users where id = ?) as user_ok`, [departmentId, userId])
      if (row.department_ok !== true) throw notFound('Department')
      if (row.user_ok !== true) throw notFound('User')
      await execRows(tx.em, 'insert into department_members (department_id, user_id) values (?, ?) on conflict do nothing', [departmentId, userId])
    })
  } catch (err) {
    // Deleted between the check and the insert.
    if (isForeignKeyViolation(err)) throw notFound('Department or user')
    throw err
  }
  return (await getDepartment(core, departmentId))!
}

export async function removeDepartmentMember (core: Core, departmentId: string, userId: string): Promise<DepartmentRecord> {
  if (!isId(departmentId)) throw notFound('Department')
  await core.transaction(async (tx) => {
    const [found] = await execRows(tx.em, 'select id from departments where id = ?', [departmentId])
    if (found === undefined) throw notFound('Department')
    if (isId(userId)) await execRows(tx.em, 'delete from department_members where department_id = ? and user_id = ?', [departmentId, userId])
  })
  return (await getDepartment(core, departmentId))!
}
