import { createHash } from 'node:crypto'
import { OpenlineError, errorCodes } from '@openline/sdk'
import type { AuthUser, Permissions } from '@openline/sdk'
import type { AgentGraphQLContext, Core } from '../core.ts'
import type { Permission } from './permissions.ts'
import { issueToken } from './tokens.ts'
import { listRoles, createRole, updateRole, deleteRole, type RoleRecord } from './roles.ts'
import {
  createUser, updateUser, getUser, getUsers, listUsers, changePassword, setPassword, logoutEverywhere,
  checkCredentials, normalizeEmail, type UserRecord
} from './users.ts'
import {
  listDepartments, createDepartment, updateDepartment, deleteDepartment, addDepartmentMember, removeDepartmentMember,
  type DepartmentRecord
} from './departments.ts'

const typeDefs = `#graphql
  "Which conversations' history a role may see (J1): its own, its departments', or all."
  enum HistoryScope { OWN DEPARTMENT ALL }

  type Permissions {
    manageOpenChannels: Boolean!
    manageUsers: Boolean!
    manageRoles: Boolean!
    viewHistory: HistoryScope!
  }

  "Absent fields mean not allowed / OWN."
  input PermissionsInput {
    manageOpenChannels: Boolean
    manageUsers: Boolean
    manageRoles: Boolean
    viewHistory: HistoryScope
  }

  type Role {
    id: ID!
    name: String!
    "Builtin roles (admin, supervisor, agent) cannot be renamed or deleted; their permissions can be changed."
    builtin: Boolean!
    permissions: Permissions!
  }

  """
  A staff member. email, role and createdAt are shown only to the user themself and to holders of
  manageUsers; everyone else (e.g. an agent picking a colleague to transfer to) gets null there.
  """
  type User {
    id: ID!
    email: String
    name: String!
    role: Role
    active: Boolean!
    departments: [Department!]!
    avatarUrl: String
    createdAt: DateTime
  }

  type Department {
    id: ID!
    name: String!
    parent: Department
    members: [User!]!
  }

  type AuthPayload {
    "Send as 'Authorization: Bearer <token>' over HTTP, or as the token in the websocket's connection parameters."
    token: String!
    user: User!
  }

  input CreateUserInput {
    email: String!
    name: String!
    "10 to 256 characters."
    password: String!
    "Role id or name."
    role: String!
    departmentIds: [ID!]
    avatarUrl: String
  }

  input UpdateUserInput {
    email: String
    name: String
    "Role id or name."
    role: String
    "false dismisses the user: they cannot sign in and their sessions end."
    active: Boolean
    "Replaces the user's department memberships."
    departmentIds: [ID!]
    avatarUrl: String
  }

  input CreateRoleInput {
    name: String!
    permissions: PermissionsInput
  }

  input UpdateRoleInput {
    name: String
    permissions: PermissionsInput
  }

  input CreateDepartmentInput {
    name: String!
    parentId: ID
  }

  input UpdateDepartmentInput {
    name: String
    "null makes the department top-level; leaving it out keeps the parent."
    parentId: ID
  }

  extend type Query {
    "The signed-in user; null without a valid token."
    me: User
    users(includeInactive: Boolean): [User!]!
    user(id: ID!): User
    "Needs manageUsers or manageRoles."
    roles: [Role!]!
    departments: [Department!]!
  }

  extend type Mutation {
    "A wrong e-mail and a wrong password give the same OL_UNAUTHENTICATED error; failed attempts are throttled per e-mail."
    login(email: String!, password: String!): AuthPayload!
    "Ends every other session and returns a fresh token."
    changePassword(currentPassword: String!, newPassword: String!): AuthPayload!
    "Every token issued so far, this one included, stops working."
    logoutEverywhere: Boolean!
    createUser(input: CreateUserInput!): User!
    updateUser(id: ID!, input: UpdateUserInput!): User!
    "Ends every session of that user."
    setUserPassword(id: ID!, password: String!): Boolean!
    createRole(input: CreateRoleInput!): Role!
    updateRole(id: ID!, input: UpdateRoleInput!): Role!
    deleteRole(id: ID!): Boolean!
    createDepartment(input: CreateDepartmentInput!): Department!
    updateDepartment(id: ID!, input: UpdateDepartmentInput!): Department!
    deleteDepartment(id: ID!): Boolean!
    addDepartmentMember(departmentId: ID!, userId: ID!): Department!
    removeDepartmentMember(departmentId: ID!, userId: ID!): Department!
  }
`

type Ctx = AgentGraphQLContext

// ---- guards -------------------------------------------------------------------------------
// Checked here from `context.user` (not only in the UI): no token → OL_UNAUTHENTICATED,
// a token without the permission → OL_FORBIDDEN. Guards run before any input validation.

function signedIn (context: Ctx): AuthUser {
  if (context.user == null) throw new OpenlineError(errorCodes.unauthenticated, 'Sign in first', { statusCode: 401 })
  return context.user
}

function allowed (context: Ctx, ...anyOf: Permission[]): AuthUser {
  const user = signedIn(context)
  if (!anyOf.some(p => user.permissions[p] === true)) {
    throw new OpenlineError(errorCodes.forbidden, `Needs the ${anyOf.join(' or ')} permission`, { statusCode: 403 })
  }
  return user
}

// ---- per-request state ----------------------------------------------------------------------
// Keyed by the request's context object, so it lives exactly as long as the request.

interface RequestState {
  /** Users who may see their own private fields although `context.user` is not them (login). */
  selves: Set<string>
  departments?: Promise<Map<string, DepartmentRecord>>
  users: Map<string, Promise<UserRecord | null>>
  pending: Map<string, Array<(user: UserRecord | null) => void>>
  failing: Map<string, Array<(err: unknown) => void>>
  scheduled: boolean
}

const states = new WeakMap<object, RequestState>()

function stateOf (context: Ctx): RequestState {
  let state = states.get(context)
  if (state === undefined) {
    state = { selves: new Set(), users: new Map(), pending: new Map(), failing: new Map(), scheduled: false }
    states.set(context, state)
  }
  return state
}

/** After a write: later fields of the same request must not read what was cached before it. */
function changed<T> (context: Ctx, result: T): T {
  const state = stateOf(context)
  state.departments = undefined
  state.users = new Map()
  return result
}

function departmentsOf (context: Ctx): Promise<Map<string, DepartmentRecord>> {
  const state = stateOf(context)
  state.departments ??= listDepartments(context.core).then(list => new Map(list.map(d => [d.id, d])))
  return state.departments
}

/** Batches the user look-ups of one request (department members) into one query. */
function loadUser (context: Ctx, id: string): Promise<UserRecord | null> {
  const state = stateOf(context)
  const cached = state.users.get(id)
  if (cached !== undefined) return cached
  const promise = new Promise<UserRecord | null>((resolve, reject) => {
    state.pending.set(id, [...(state.pending.get(id) ?? []), resolve])
    state.failing.set(id, [...(state.failing.get(id) ?? []), reject])
  })
  state.users.set(id, promise)
  if (!state.scheduled) {
    state.scheduled = true
    setImmediate(() => { flushUsers(context.core, state) })
  }
  return promise
}

function flushUsers (core: Core, state: RequestState): void {
  const pending = state.pending
  const failing = state.failing
  state.pending = new Map()
  state.failing = new Map()
  state.scheduled = false
  getUsers(core, [...pending.keys()]).then(users => {
    const byId = new Map(users.map(u => [u.id, u]))
    for (const [id, resolvers] of pending) for (const resolve of resolvers) resolve(byId.get(id) ?? null)
  }, err => {
    for (const rejecters of failing.values()) for (const reject of rejecters) reject(err)
  })
}

/** email, role and createdAt: for the user themself and for user managers only. */
function seesPrivate (context: Ctx, user: UserRecord): boolean {
  const viewer = context.user
  if (viewer != null && (viewer.id === user.id || viewer.permissions.manageUsers === true)) return true
  return stateOf(context).selves.has(user.id)
}

// ---- input mapping --------------------------------------------------------------------------

/** GraphQL enum values → stored permissions JSON; nulls count as absent. Validated by the service. */
function permissionsInput (input: Record<string, unknown> | null | undefined): Record<string, unknown> | undefined {
  if (input == null) return undefined
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(input)) {
    if (value === null || value === undefined) continue
    out[key] = key === 'viewHistory' && typeof value === 'string' ? value.toLowerCase() : value
  }
  return out
}

function rateLimited (): OpenlineError {
  return new OpenlineError(errorCodes.rateLimited, 'Too many sign-in attempts; try again in a minute', { statusCode: 429 })
}

function loginKey (core: Core, email: string): string {
  // Hashed: the key stays short whatever is typed, and Redis never holds e-mail addresses.
  return core.redisKey(`auth:login:${createHash('sha256').update(normalizeEmail(email)).digest('hex').slice(0, 32)}`)
}

/**
 * Count one password attempt for `email` (known or not, so the limit reveals nothing) and refuse
 * once `auth.loginAttemptsPerMinute` is exceeded. The window starts at the first attempt; a
 * successful sign-in clears it (`clearAttempts`).
 */
async function countAttempt (core: Core, email: string): Promise<void> {
  const key = loginKey(core, email)
  // SET NX EX + INCR in one MULTI: the counter always has its expiry, even if we crash in between.
  const results = await core.redis.multi().set(key, '0', 'EX', 60, 'NX').incr(key).exec()
  const failure = results?.find(([err]) => err !== null)?.[0]
  if (failure != null) throw failure
  const count = Number(results?.[1]?.[1] ?? 0)
  if (count > core.config.auth.loginAttemptsPerMinute) throw rateLimited()
}

async function clearAttempts (core: Core, email: string): Promise<void> {
  await core.redis.del(loginKey(core, email))
}

function wrongCredentials (): OpenlineError {
  return new OpenlineError(errorCodes.unauthenticated, 'Wrong e-mail or password', { statusCode: 401 })
}

async function payload (context: Ctx, user: { id: string, tokenVersion: number }): Promise<{ token: string, user: UserRecord }> {
  const record = await getUser(context.core, user.id)
  if (record === null) throw wrongCredentials()
  stateOf(context).selves.add(user.id)
  return { token: issueToken(context.core, user), user: record }
}

// ---- resolvers ------------------------------------------------------------------------------

type Args = Record<string, any>

const resolvers: Record<string, any> = {
  Query: {
    me: async (_root: unknown, _args: Args, context: Ctx) => context.user == null ? null : getUser(context.core, context.user.id),
    // Any signed-in user may list colleagues (transfers need them); private fields are hidden by `User`.
    users: async (_root: unknown, args: Args, context: Ctx) => {
      signedIn(context)
      return listUsers(context.core, { includeInactive: args.includeInactive === true })
    },
    user: async (_root: unknown, args: Args, context: Ctx) => {
      signedIn(context)
      return getUser(context.core, args.id)
    },
    roles: async (_root: unknown, _args: Args, context: Ctx) => {
      allowed(context, 'manageUsers', 'manageRoles')
      return listRoles(context.core)
    },
    departments: async (_root: unknown, _args: Args, context: Ctx) => {
      signedIn(context)
      return [...(await departmentsOf(context)).values()]
    }
  },

  Mutation: {
    login: async (_root: unknown, args: Args, context: Ctx) => {
      const { core } = context
      await countAttempt(core, args.email)
      const found = await checkCredentials(core, args.email, args.password)
      if (found === null) throw wrongCredentials()
      await clearAttempts(core, args.email)
      return payload(context, found)
    },
    changePassword: async (_root: unknown, args: Args, context: Ctx) => {
      const user = signedIn(context)
      // A stolen session must not become a way to guess the password: same throttle as login.
      await countAttempt(context.core, user.email)
      const changed = await changePassword(context.core, user.id, args.currentPassword, args.newPassword)
      await clearAttempts(context.core, user.email)
      return payload(context, changed)
    },
    logoutEverywhere: async (_root: unknown, _args: Args, context: Ctx) => {
      const user = signedIn(context)
      await logoutEverywhere(context.core, user.id)
      return true
    },

    createUser: async (_root: unknown, args: Args, context: Ctx) => {
      allowed(context, 'manageUsers')
      const { id } = await createUser(context.core, args.input)
      return changed(context, await getUser(context.core, id))
    },
    updateUser: async (_root: unknown, args: Args, context: Ctx) => {
      allowed(context, 'manageUsers')
      return changed(context, await updateUser(context.core, args.id, args.input))
    },
    setUserPassword: async (_root: unknown, args: Args, context: Ctx) => {
      allowed(context, 'manageUsers')
      await setPassword(context.core, args.id, args.password)
      return true
    },

    createRole: async (_root: unknown, args: Args, context: Ctx) => {
      allowed(context, 'manageRoles')
      return createRole(context.core, { name: args.input.name, permissions: permissionsInput(args.input.permissions) })
    },
    updateRole: async (_root: unknown, args: Args, context: Ctx) => {
      allowed(context, 'manageRoles')
      return updateRole(context.core, args.id, { name: args.input.name ?? undefined, permissions: permissionsInput(args.input.permissions) })
    },
    deleteRole: async (_root: unknown, args: Args, context: Ctx) => {
      allowed(context, 'manageRoles')
      await deleteRole(context.core, args.id)
      return true
    },

    createDepartment: async (_root: unknown, args: Args, context: Ctx) => {
      allowed(context, 'manageUsers')
      return changed(context, await createDepartment(context.core, args.input))
    },
    updateDepartment: async (_root: unknown, args: Args, context: Ctx) => {
      allowed(context, 'manageUsers')
      return changed(context, await updateDepartment(context.core, args.id, args.input))
    },
    deleteDepartment: async (_root: unknown, args: Args, context: Ctx) => {
      allowed(context, 'manageUsers')
      await deleteDepartment(context.core, args.id)
      return changed(context, true)
    },
    addDepartmentMember: async (_root: unknown, args: Args, context: Ctx) => {
      allowed(context, 'manageUsers')
      return changed(context, await addDepartmentMember(context.core, args.departmentId, args.userId))
    },
    removeDepartmentMember: async (_root: unknown, args: Args, context: Ctx) => {
      allowed(context, 'manageUsers')
      return changed(context, await removeDepartmentMember(context.core, args.departmentId, args.userId))
    }
  },

  User: {
    email: (user: UserRecord, _args: Args, context: Ctx) => seesPrivate(context, user) ? user.email : null,
    role: (user: UserRecord, _args: Args, context: Ctx) => seesPrivate(context, user) ? user.role : null,
    createdAt: (user: UserRecord, _args: Args, context: Ctx) => seesPrivate(context, user) ? user.createdAt : null,
    departments: async (user: UserRecord, _args: Args, context: Ctx) => {
      const all = await departmentsOf(context)
      return user.departmentIds.map(id => all.get(id)).filter(d => d !== undefined)
    }
  },

  Role: {
    permissions: (role: RoleRecord) => role.permissions
  },

  Permissions: {
    viewHistory: (permissions: Permissions) => permissions.viewHistory.toUpperCase()
  },

  Department: {
    parent: async (department: DepartmentRecord, _args: Args, context: Ctx) =>
      department.parentId === null ? null : (await departmentsOf(context)).get(department.parentId) ?? null,
    members: async (department: DepartmentRecord, _args: Args, context: Ctx) => {
      const users = await Promise.all(department.memberIds.map(id => loadUser(context, id)))
      return users.filter(u => u !== null)
    }
  }
}

/** The agent-API part of users, roles and departments; the integrator merges it into the schema. */
export const authGraphql: { typeDefs: string, resolvers: Record<string, any> } = { typeDefs, resolvers }
