// Staff a task or event names: they must exist and be active.
import { isId, type FieldError, type PluginContext } from '@openline/sdk'
import { readRows } from './read.ts'

export interface StaffMember { id: string, name: string, email: string }

/** Active users by id, in the order given; every id that is not one gives a field error at `path(index)`. */
export async function activeStaff (ctx: PluginContext<any>, ids: string[], path: (index: number) => string): Promise<{ staff: StaffMember[], errors: FieldError[] }> {
  const wanted = ids.filter(id => isId(id))
  const rows = wanted.length === 0
    ? []
    : await readRows(ctx, `select id::text, name, email from users where active and id in (${wanted.map(() => '?').join(', ')})`, wanted)
  const found = new Map(rows.map(r => [r.id as string, { id: r.id as string, name: r.name as string, email: r.email as string }]))
  const errors = ids.flatMap((id, i): FieldError[] => {
    if (!isId(id)) return [{ path: path(i), message: 'must be a user id' }]
    return found.has(id) ? [] : [{ path: path(i), message: 'no active user with this id' }]
  })
  return { staff: ids.flatMap(id => found.get(id) ?? []), errors }
}
