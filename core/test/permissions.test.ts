// Roles, permissions and who may see which chat history (J1, J2), enforced in resolvers.
import t from 'tap'
import { buildTestApp, type TestApp, type AgentClient } from '@openline/testing'
import type { AuthUser } from '@openline/sdk'
import {
  builtinRoles, normalizePermissions, storedPermissions, historyCondition, ensureBuiltinRoles, createUser, authenticate,
  createDepartment, addDepartmentMember, listRoles
} from '../src/auth/index.ts'

let testApp: TestApp
let admin: AgentClient
let agent: AgentClient
let agentId: string
let agentEmail: string

const PASSWORD = 'correct horse battery'
let serial = 0
function email (): string {
  return `perm${++serial}-${Date.now()}@example.org`
}

type GqlError = { message: string, extensions?: { code?: string, fields?: { path: string, message: string }[] } }
function codeOf (res: { errors?: GqlError[] }): string | undefined {
  return res.errors?.[0]?.extensions?.code
}

async function rows (sql: string, params: unknown[] = []): Promise<Record<string, any>[]> {
  return testApp.core.orm.em.fork().execute(sql, params)
}

t.before(async () => {
  testApp = await buildTestApp()
  admin = await testApp.login(testApp.admin.email, testApp.admin.password)
  agentEmail = email()
  agentId = (await createUser(testApp.core, { email: agentEmail, name: 'Plain Agent', password: PASSWORD, role: 'agent' })).id
  agent = await testApp.login(agentEmail, PASSWORD)
})
t.teardown(() => testApp?.close())

t.test('builtin roles', async (t) => {
  t.same(builtinRoles.admin, { manageOpenChannels: true, manageUsers: true, manageRoles: true, viewHistory: 'all' })
  t.same(builtinRoles.supervisor, { manageOpenChannels: false, manageUsers: false, manageRoles: false, viewHistory: 'all' })
  t.same(builtinRoles.agent, { manageOpenChannels: false, manageUsers: false, manageRoles: false, viewHistory: 'own' })
  const stored = await rows('select name, builtin, permissions from roles where builtin order by name')
  t.same(stored.map(r => [r.name, r.builtin, r.permissions]), [
    ['admin', true, builtinRoles.admin],
    ['agent', true, builtinRoles.agent],
    ['supervisor', true, builtinRoles.supervisor]
  ])
})

t.test('normalizePermissions validates and fills defaults', async (t) => {
  t.same(normalizePermissions({}), { manageOpenChannels: false, manageUsers: false, manageRoles: false, viewHistory: 'own' })
  t.same(normalizePermissions({ manageOpenChannels: true, viewHistory: 'department' }),
    { manageOpenChannels: true, manageUsers: false, manageRoles: false, viewHistory: 'department' })
  const failure = (json: unknown): { code?: string, fields?: { path: string }[] } => {
    try {
      normalizePermissions(json)
    } catch (err) {
      return err as { code?: string, fields?: { path: string }[] }
    }
    return {}
  }
  const unknownKey = failure({ manageEverything: true })
  t.equal(unknownKey.code, 'OL_VALIDATION', 'unknown keys are rejected')
  t.ok(unknownKey.fields?.some(f => f.path === '/manageEverything'), 'with a field error naming the key')
  const badScope = failure({ viewHistory: 'everything' })
  t.equal(badScope.code, 'OL_VALIDATION')
  t.ok(badScope.fields?.some(f => f.path === '/viewHistory'))
  const badType = failure({ manageUsers: 'yes' })
  t.ok(badType.fields?.some(f => f.path === '/manageUsers'))
  t.equal(failure([]).code, 'OL_VALIDATION')
  t.equal(failure('admin').code, 'OL_VALIDATION')
  // Reading a damaged row only ever takes rights away.
  t.same(storedPermissions({ manageUsers: 'true', viewHistory: 'everything' }), builtinRoles.agent)
  t.same(storedPermissions(null), builtinRoles.agent)
})

const adminOperations: { name: string, query: string, variables: () => Record<string, unknown>, code: string }[] = [
  { name: 'createUser', query: 'mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }', variables: () => ({ input: { email: email(), name: 'Sneaky', password: PASSWORD, role: 'agent' } }), code: 'OL_FORBIDDEN' },
  { name: 'updateUser', query: 'mutation ($id: ID!) { updateUser(id: $id, input: { role: "admin" }) { id } }', variables: () => ({ id: agentId }), code: 'OL_FORBIDDEN' },
  { name: 'setUserPassword', query: 'mutation ($id: ID!) { setUserPassword(id: $id, password: "hijacked password") }', variables: () => ({ id: testApp.admin.id }), code: 'OL_FORBIDDEN' },
  { name: 'createRole', query: 'mutation { createRole(input: { name: "sneaky", permissions: { manageUsers: true } }) { id } }', variables: () => ({}), code: 'OL_FORBIDDEN' },
  { name: 'updateRole', query: 'mutation ($id: ID!) { updateRole(id: $id, input: { permissions: { manageUsers: true, manageRoles: true } }) { id } }', variables: () => ({ id: agentRoleId }), code: 'OL_FORBIDDEN' },
  { name: 'deleteRole', query: 'mutation ($id: ID!) { deleteRole(id: $id) }', variables: () => ({ id: spareRoleId }), code: 'OL_FORBIDDEN' },
  { name: 'createDepartment', query: 'mutation { createDepartment(input: { name: "Sneaky" }) { id } }', variables: () => ({}), code: 'OL_FORBIDDEN' },
  { name: 'updateDepartment', query: 'mutation ($id: ID!) { updateDepartment(id: $id, input: { name: "Renamed" }) { id } }', variables: () => ({ id: spareDepartmentId }), code: 'OL_FORBIDDEN' },
  { name: 'addDepartmentMember', query: 'mutation ($d: ID!, $u: ID!) { addDepartmentMember(departmentId: $d, userId: $u) { id } }', variables: () => ({ d: spareDepartmentId, u: agentId }), code: 'OL_FORBIDDEN' },
  { name: 'removeDepartmentMember', query: 'mutation ($d: ID!, $u: ID!) { removeDepartmentMember(departmentId: $d, userId: $u) { id } }', variables: () => ({ d: spareDepartmentId, u: testApp.admin.id }), code: 'OL_FORBIDDEN' },
  { name: 'deleteDepartment', query: 'mutation ($id: ID!) { deleteDepartment(id: $id) }', variables: () => ({ id: spareDepartmentId }), code: 'OL_FORBIDDEN' },
  { name: 'roles', query: '{ roles { id } }', variables: () => ({}), code: 'OL_FORBIDDEN' }
]
let agentRoleId = ''
let spareRoleId = ''
let spareDepartmentId = ''

t.test('every admin operation is refused for an agent and for no token', async (t) => {
  const roles = await listRoles(testApp.core)
  agentRoleId = roles.find(r => r.name === 'agent')!.id
  const spare = await admin.query<{ createRole: { id: string } }>('mutation { createRole(input: { name: "spare" }) { id } }')
  t.equal(spare.errors, undefined)
  spareRoleId = spare.data!.createRole.id
  const department = await createDepartment(testApp.core, { name: 'Spare department' })
  spareDepartmentId = department.id
  await addDepartmentMember(testApp.core, spareDepartmentId, testApp.admin.id)
  const before = await rows(`select
    (select count(*) from users)::int as users, (select count(*) from roles)::int as roles,
    (select count(*) from departments)::int as departments, (select count(*) from department_members)::int as members,
    (select json_agg(json_build_object('id', id, 'role', role_id, 'tv', token_version, 'hash', password_hash) order by id) from users) as user_rows,
    (select json_agg(json_build_object('id', id, 'name', name, 'p', permissions) order by id) from roles) as role_rows,
    (select json_agg(name order by id) from departments) as department_rows`)

  for (const op of adminOperations) {
    const asAgent = await agent.query<Record<string, unknown>>(op.query, op.variables())
    t.equal(codeOf(asAgent), op.code, `${op.name} as an agent`)
    t.equal(asAgent.data?.[op.name] ?? null, null, `${op.name} returns no data to an agent`)
    const anonymous = await testApp.agent().query(op.query, op.variables())
    t.equal(codeOf(anonymous), 'OL_UNAUTHENTICATED', `${op.name} without a token`)
  }
  const after = await rows(`select
    (select count(*) from users)::int as users, (select count(*) from roles)::int as roles,
    (select count(*) from departments)::int as departments, (select count(*) from department_members)::int as members,
    (select json_agg(json_build_object('id', id, 'role', role_id, 'tv', token_version, 'hash', password_hash) order by id) from users) as user_rows,
    (select json_agg(json_build_object('id', id, 'name', name, 'p', permissions) order by id) from roles) as role_rows,
    (select json_agg(name order by id) from departments) as department_rows`)
  t.same(after, before, 'nothing changed in the database')

  // A supervisor sees all history but administers nothing either.
  const address = email()
  await createUser(testApp.core, { email: address, name: 'Supervisor', password: PASSWORD, role: 'supervisor' })
  const supervisor = await testApp.login(address, PASSWORD)
  for (const op of adminOperations) {
    t.equal(codeOf(await supervisor.query(op.query, op.variables())), 'OL_FORBIDDEN', `${op.name} as a supervisor`)
  }

  // The same operations succeed for the admin (so the refusals above are about permissions).
  for (const op of adminOperations.filter(o => !['setUserPassword', 'updateUser', 'updateRole'].includes(o.name))) {
    const res = await admin.query(op.query, op.variables())
    t.equal(res.errors, undefined, `${op.name} as the admin`)
  }
})

t.test('a custom role with manageOpenChannels may manage open channels, nothing more', async (t) => {
  const created = await admin.query<{ createRole: { id: string, name: string, builtin: boolean, permissions: Record<string, unknown> } }>(
    'mutation { createRole(input: { name: "channel manager", permissions: { manageOpenChannels: true, viewHistory: DEPARTMENT } }) { id name builtin permissions { manageOpenChannels manageUsers manageRoles viewHistory } } }')
  t.equal(created.errors, undefined)
  t.same(created.data!.createRole, {
    id: created.data!.createRole.id,
    name: 'channel manager',
    builtin: false,
    permissions: { manageOpenChannels: true, manageUsers: false, manageRoles: false, viewHistory: 'DEPARTMENT' }
  })
  const address = email()
  const user = await admin.query<{ createUser: { id: string } }>('mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }', {
    input: { email: address, name: 'Channel Manager', password: PASSWORD, role: 'channel manager' }
  })
  t.equal(user.errors, undefined)
  const manager = await testApp.login(address, PASSWORD)
  const auth = await authenticate(testApp.core, manager.token)
  t.same(auth?.permissions, { manageOpenChannels: true, manageUsers: false, manageRoles: false, viewHistory: 'department' })

  const CREATE_CHANNEL = 'mutation ($name: String!) { createOpenChannel(input: { name: $name }) { id name } }'
  const byManager = await manager.query<{ createOpenChannel: { name: string } }>(CREATE_CHANNEL, { name: 'Managed channel' })
  t.equal(byManager.errors, undefined, 'the custom role may create an open channel')
  t.equal(byManager.data?.createOpenChannel.name, 'Managed channel')
  t.equal(codeOf(await agent.query(CREATE_CHANNEL, { name: 'Agent channel' })), 'OL_FORBIDDEN', 'an agent may not')
  t.equal(codeOf(await manager.query('mutation { createDepartment(input: { name: "Nope" }) { id } }')), 'OL_FORBIDDEN', 'but it cannot manage users')
  t.equal(codeOf(await manager.query('mutation { createRole(input: { name: "nope" }) { id } }')), 'OL_FORBIDDEN', 'nor roles')

  // Changing the role takes effect on the next request, without a new token.
  const revoke = await admin.query('mutation ($id: ID!) { updateRole(id: $id, input: { permissions: { manageOpenChannels: false } }) { id } }', { id: created.data!.createRole.id })
  t.equal(revoke.errors, undefined)
  t.equal(codeOf(await manager.query(CREATE_CHANNEL, { name: 'Too late' })), 'OL_FORBIDDEN')
})

t.test('role rules: builtin roles stay, roles in use stay, names are unique, permissions validated', async (t) => {
  const roles = await admin.query<{ roles: { id: string, name: string, builtin: boolean }[] }>('{ roles { id name builtin } }')
  const byName = new Map(roles.data!.roles.map(r => [r.name, r]))
  for (const name of ['admin', 'supervisor', 'agent']) {
    t.equal(byName.get(name)?.builtin, true)
    const del = await admin.query('mutation ($id: ID!) { deleteRole(id: $id) }', { id: byName.get(name)!.id })
    t.equal(codeOf(del), 'OL_CONFLICT', `builtin ${name} cannot be deleted`)
    const rename = await admin.query('mutation ($id: ID!) { updateRole(id: $id, input: { name: "renamed" }) { id } }', { id: byName.get(name)!.id })
    t.equal(codeOf(rename), 'OL_CONFLICT', `builtin ${name} cannot be renamed`)
  }
  t.equal((await rows("select count(*)::int as n from roles where name in ('admin', 'supervisor', 'agent')"))[0].n, 3)
  // Even when nobody holds it, a builtin role stays.
  await rows("update users set role_id = (select id from roles where name = 'agent') where role_id = ?", [byName.get('supervisor')!.id])
  const unheld = await admin.query('mutation ($id: ID!) { deleteRole(id: $id) }', { id: byName.get('supervisor')!.id })
  t.equal(codeOf(unheld), 'OL_CONFLICT', 'an unused builtin role cannot be deleted either')
  t.equal((await rows('select count(*)::int as n from roles where id = ?', [byName.get('supervisor')!.id]))[0].n, 1)

  const created = await admin.query<{ createRole: { id: string } }>('mutation { createRole(input: { name: "night shift" }) { id } }')
  const roleId = created.data!.createRole.id
  t.equal(codeOf(await admin.query('mutation { createRole(input: { name: "night shift" }) { id } }')), 'OL_CONFLICT', 'duplicate name')
  const address = email()
  const { id: userId } = await createUser(testApp.core, { email: address, name: 'Night Owl', password: PASSWORD, role: roleId })
  const inUse = await admin.query('mutation ($id: ID!) { deleteRole(id: $id) }', { id: roleId })
  t.equal(codeOf(inUse), 'OL_CONFLICT', 'a role in use cannot be deleted')
  // Still in use when its only holder is dismissed: the user row keeps the role.
  await admin.query('mutation ($id: ID!) { updateUser(id: $id, input: { active: false }) { id } }', { id: userId })
  t.equal(codeOf(await admin.query('mutation ($id: ID!) { deleteRole(id: $id) }', { id: roleId })), 'OL_CONFLICT')
  const moved = await admin.query('mutation ($id: ID!) { updateUser(id: $id, input: { role: "agent" }) { id } }', { id: userId })
  t.equal(moved.errors, undefined)
  const renamed = await admin.query<{ updateRole: { name: string } }>('mutation ($id: ID!) { updateRole(id: $id, input: { name: "late shift" }) { name } }', { id: roleId })
  t.equal(renamed.data?.updateRole.name, 'late shift', 'a custom role can be renamed')
  const deleted = await admin.query<{ deleteRole: boolean }>('mutation ($id: ID!) { deleteRole(id: $id) }', { id: roleId })
  t.equal(deleted.errors, undefined)
  t.equal(deleted.data!.deleteRole, true, 'unused now: deleted')
  t.equal((await rows('select count(*)::int as n from roles where id = ?', [roleId]))[0].n, 0)
  t.equal(codeOf(await admin.query('mutation { deleteRole(id: "999999999") }')), 'OL_NOT_FOUND')

  // Unknown keys can't even be expressed through GraphQL; invalid stored shapes are refused by the service.
  const badInput = await admin.query('mutation { createRole(input: { name: "x", permissions: { manageEverything: true } }) { id } }')
  t.ok(badInput.errors, 'unknown permission refused by the schema')
  const emptyName = await admin.query('mutation { createRole(input: { name: "  " }) { id } }')
  t.equal(codeOf(emptyName), 'OL_VALIDATION')
  t.equal(emptyName.errors?.[0]?.extensions?.fields?.[0]?.path, '/name')
})

t.test('nobody can lock the installation out of administration', async (t) => {
  const adminRole = (await listRoles(testApp.core)).find(r => r.name === 'admin')!
  const strip = await admin.query('mutation ($id: ID!) { updateRole(id: $id, input: { permissions: { manageOpenChannels: true, viewHistory: ALL } }) { id } }', { id: adminRole.id })
  t.equal(codeOf(strip), 'OL_CONFLICT', 'the last role able to manage users and roles keeps those rights')
  const demote = await admin.query('mutation ($id: ID!) { updateUser(id: $id, input: { role: "agent" }) { id } }', { id: testApp.admin.id })
  t.equal(codeOf(demote), 'OL_CONFLICT', 'the last administrator cannot be demoted')
  const dismiss = await admin.query('mutation ($id: ID!) { updateUser(id: $id, input: { active: false }) { id } }', { id: testApp.admin.id })
  t.equal(codeOf(dismiss), 'OL_CONFLICT', 'nor dismissed')
  const me = await admin.query<{ me: { role: { name: string, permissions: { manageUsers: boolean } } } }>('{ me { role { name permissions { manageUsers } } } }')
  t.same(me.data!.me.role, { name: 'admin', permissions: { manageUsers: true } })
})

t.test('ensureBuiltinRoles is idempotent and keeps customised builtin roles', async (t) => {
  const supervisor = (await listRoles(testApp.core)).find(r => r.name === 'supervisor')!
  const res = await admin.query('mutation ($id: ID!) { updateRole(id: $id, input: { permissions: { manageOpenChannels: true, viewHistory: DEPARTMENT } }) { id } }', { id: supervisor.id })
  t.equal(res.errors, undefined)
  const count = (await rows('select count(*)::int as n from roles'))[0].n
  await ensureBuiltinRoles(testApp.core)
  await ensureBuiltinRoles(testApp.core)
  t.equal((await rows('select count(*)::int as n from roles'))[0].n, count, 'no duplicates')
  const after = (await listRoles(testApp.core)).find(r => r.name === 'supervisor')!
  t.equal(after.id, supervisor.id)
  t.same(after.permissions, { manageOpenChannels: true, manageUsers: false, manageRoles: false, viewHistory: 'department' }, 'customisation kept')

  // A missing builtin role comes back with its default permissions.
  await rows("update users set role_id = (select id from roles where name = 'agent') where role_id = ?", [supervisor.id])
  await rows('delete from roles where id = ?', [supervisor.id])
  await ensureBuiltinRoles(testApp.core)
  const back = await rows("select builtin, permissions from roles where name = 'supervisor'")
  t.same(back, [{ builtin: true, permissions: builtinRoles.supervisor }])
})

t.test('departments: create, nest, members, no cycles; membership shows on users', async (t) => {
  const CREATE = 'mutation ($input: CreateDepartmentInput!) { createDepartment(input: $input) { id name parent { id } members { id } } }'
  const sales = await admin.query<{ createDepartment: { id: string } }>(CREATE, { input: { name: 'Sales' } })
  t.equal(sales.errors, undefined)
  const salesId = sales.data!.createDepartment.id
  const emea = await admin.query<{ createDepartment: { id: string, parent: { id: string } } }>(CREATE, { input: { name: 'Sales EMEA', parentId: salesId } })
  t.equal(emea.data!.createDepartment.parent.id, salesId)
  const emeaId = emea.data!.createDepartment.id
  t.equal(codeOf(await admin.query(CREATE, { input: { name: 'Sales' } })), 'OL_CONFLICT', 'unique name')
  t.equal(codeOf(await admin.query(CREATE, { input: { name: 'Orphan', parentId: '999999999' } })), 'OL_VALIDATION', 'parent must exist')

  const cycle = await admin.query('mutation ($id: ID!, $p: ID) { updateDepartment(id: $id, input: { parentId: $p }) { id } }', { id: salesId, p: emeaId })
  t.equal(codeOf(cycle), 'OL_VALIDATION', 'a department cannot move under its own child')
  t.equal(cycle.errors?.[0]?.extensions?.fields?.[0]?.path, '/parentId')
  const self = await admin.query('mutation ($id: ID!) { updateDepartment(id: $id, input: { parentId: $id }) { id } }', { id: salesId })
  t.equal(codeOf(self), 'OL_VALIDATION')

  const added = await admin.query<{ addDepartmentMember: { members: { id: string }[] } }>(
    'mutation ($d: ID!, $u: ID!) { addDepartmentMember(departmentId: $d, userId: $u) { members { id name } } }', { d: emeaId, u: agentId })
  t.equal(added.errors, undefined)
  t.same(added.data!.addDepartmentMember.members.map(m => m.id), [agentId])
  const again = await admin.query('mutation ($d: ID!, $u: ID!) { addDepartmentMember(departmentId: $d, userId: $u) { id } }', { d: emeaId, u: agentId })
  t.equal(again.errors, undefined, 'adding twice is harmless')
  const me = await agent.query<{ me: { departments: { id: string, name: string }[] } }>('{ me { departments { id name } } }')
  t.same(me.data!.me.departments, [{ id: emeaId, name: 'Sales EMEA' }])
  t.same((await authenticate(testApp.core, agent.token))?.departmentIds, [emeaId], 'the token user carries department ids')

  const list = await agent.query<{ departments: { name: string, parent: { name: string } | null, members: { id: string, email: string | null }[] }[] }>(
    '{ departments { name parent { name } members { id email } } }')
  t.equal(list.errors, undefined, 'agents may read the department structure')
  const listed = list.data!.departments.find(d => d.name === 'Sales EMEA')!
  t.equal(listed.parent?.name, 'Sales')
  t.same(listed.members, [{ id: agentId, email: agentEmail }], 'members are users (the agent sees its own e-mail)')

  const moved = await admin.query<{ updateDepartment: { name: string, parent: null } }>(
    'mutation ($id: ID!) { updateDepartment(id: $id, input: { name: "EMEA", parentId: null }) { name parent { id } } }', { id: emeaId })
  t.same(moved.data!.updateDepartment, { name: 'EMEA', parent: null })
  const removed = await admin.query<{ removeDepartmentMember: { members: unknown[] } }>(
    'mutation ($d: ID!, $u: ID!) { removeDepartmentMember(departmentId: $d, userId: $u) { members { id } } }', { d: emeaId, u: agentId })
  t.same(removed.data!.removeDepartmentMember.members, [])

  // updateUser replaces memberships.
  const set = await admin.query<{ updateUser: { departments: { id: string }[] } }>(
    'mutation ($id: ID!, $d: [ID!]) { updateUser(id: $id, input: { departmentIds: $d }) { departments { id } } }', { id: agentId, d: [salesId, emeaId] })
  t.same(set.data!.updateUser.departments.map(d => d.id).sort(), [salesId, emeaId].sort())
  const bad = await admin.query('mutation ($id: ID!) { updateUser(id: $id, input: { departmentIds: ["999999999"] }) { id } }', { id: agentId })
  t.equal(codeOf(bad), 'OL_VALIDATION')
  t.equal(bad.errors?.[0]?.extensions?.fields?.[0]?.path, '/departmentIds/0')

  const del = await admin.query<{ deleteDepartment: boolean }>('mutation ($id: ID!) { deleteDepartment(id: $id) }', { id: salesId })
  t.equal(del.data?.deleteDepartment, true)
  const after = await agent.query<{ me: { departments: { id: string }[] } }>('{ me { departments { id } } }')
  t.same(after.data!.me.departments.map(d => d.id), [emeaId], 'membership of the deleted department is gone')
  t.equal(codeOf(await admin.query('mutation { deleteDepartment(id: "999999999") }')), 'OL_NOT_FOUND')
  await admin.query('mutation ($id: ID!) { updateUser(id: $id, input: { departmentIds: [] }) { id } }', { id: agentId })
})

t.test('historyCondition: own, department and all, against real conversation rows', async (t) => {
  const [channel] = await rows("insert into open_channels (name) values ('History channel') returning id")
  const [connection] = await rows("insert into channel_connections (open_channel_id, connector, external_account_id) values (?, 'test', ?) returning id", [channel.id, `acct-${Date.now()}`])
  const [client] = await rows("insert into clients (name) values ('History client') returning id")

  const user = async (name: string): Promise<string> => (await createUser(testApp.core, { email: email(), name, password: PASSWORD, role: 'agent' })).id
  const ann = await user('Ann') // in Support
  const bob = await user('Bob') // in Support and Billing
  const cat = await user('Cat') // in Billing
  const dan = await user('Dan') // in no department
  const support = (await createDepartment(testApp.core, { name: `Support ${Date.now()}` })).id
  const billing = (await createDepartment(testApp.core, { name: `Billing ${Date.now()}` })).id
  await addDepartmentMember(testApp.core, support, ann)
  await addDepartmentMember(testApp.core, support, bob)
  await addDepartmentMember(testApp.core, billing, bob)
  await addDepartmentMember(testApp.core, billing, cat)

  let n = 0
  const conversation = async (assignee: string | null, status = 'assigned'): Promise<string> => {
    const [identity] = await rows('insert into client_identities (client_id, connection_id, external_user_id) values (?, ?, ?) returning id', [client.id, connection.id, `ext-${++n}`])
    const [row] = await rows('insert into conversations (open_channel_id, connection_id, client_id, client_identity_id, status, assignee_id) values (?, ?, ?, ?, ?, ?) returning id',
      [channel.id, connection.id, client.id, identity.id, status, assignee])
    return String(row.id)
  }
  const annChat = await conversation(ann)
  const bobChat = await conversation(bob, 'closed')
  const catChat = await conversation(cat)
  const danChat = await conversation(dan)
  const queued = await conversation(null, 'queued')
  const invitedAnn = await conversation(cat) // Ann was invited and is still in it
  const leftAnn = await conversation(dan, 'closed') // Ann was a participant and left
  await rows("insert into conversation_participants (conversation_id, user_id, role) values (?, ?, 'invited')", [invitedAnn, ann])
  await rows("insert into conversation_participants (conversation_id, user_id, role, left_at) values (?, ?, 'invited', now())", [leftAnn, ann])
  const all = [annChat, bobChat, catChat, danChat, queued, invitedAnn, leftAnn]

  const authUser = (id: string, viewHistory: 'own' | 'department' | 'all'): AuthUser =>
    ({ id, name: 'x', email: 'x@example.org', roleId: '1', departmentIds: [], permissions: { ...builtinRoles.agent, viewHistory } })
  const visible = async (u: AuthUser, alias = 'c'): Promise<string[]> => {
    const condition = historyCondition(u, alias)
    // Extra placeholders before and after: the condition's params must slot into a bigger query.
    const found = await rows(`select ${alias}.id from conversations ${alias} where ${alias}.open_channel_id = ? and ${condition.sql} and ${alias}.id > ? order by ${alias}.id`,
      [channel.id, ...condition.params, 0])
    return found.map(r => String(r.id))
  }

  t.same(await visible(authUser(ann, 'own')), [annChat, invitedAnn, leftAnn], 'own: assigned plus participations, also after leaving')
  t.same(await visible(authUser(bob, 'own')), [bobChat], 'own includes closed conversations')
  t.same(await visible(authUser(dan, 'own')), [danChat, leftAnn])
  t.same(await visible(authUser(ann, 'department')), [annChat, bobChat, invitedAnn, leftAnn], 'department: Ann sees Bob (Support)')
  t.same(await visible(authUser(bob, 'department')), [annChat, bobChat, catChat, invitedAnn], 'Bob sees Support and Billing')
  t.same(await visible(authUser(cat, 'department')), [bobChat, catChat, invitedAnn], 'Cat sees Billing only')
  t.same(await visible(authUser(dan, 'department')), [danChat, leftAnn], 'no department: own only')
  t.same(await visible(authUser(dan, 'all')), all, 'all: everything, queued included')
  t.same(await visible(authUser(ann, 'own'), 'conv'), [annChat, invitedAnn, leftAnn], 'any alias')
  t.throws(() => historyCondition(authUser(ann, 'own'), 'c; drop table users'), 'the alias cannot inject SQL')

  // Membership changes apply at once (read in the query, not from the token).
  await rows('delete from department_members where department_id = ? and user_id = ?', [support, bob])
  t.same(await visible(authUser(ann, 'department')), [annChat, invitedAnn, leftAnn])

  // From a real token: the agent role is 'own'.
  const annToken = await testApp.login((await rows('select email from users where id = ?', [ann]))[0].email, PASSWORD)
  const annAuth = (await authenticate(testApp.core, annToken.token))!
  t.equal(annAuth.permissions.viewHistory, 'own')
  t.same(await visible(annAuth), [annChat, invitedAnn, leftAnn])
})
