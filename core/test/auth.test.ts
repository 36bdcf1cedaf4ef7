// Sign-in, session tokens and their invalidation, throttling, passwords and user records (J1, J2).
import t from 'tap'
import { createSigner } from 'fast-jwt'
import { buildTestApp, type TestApp } from '@openline/testing'
import {
  authenticate, issueToken, createUser, updateUser, getUser, hashPassword, verifyPassword, normalizeEmail
} from '../src/auth/index.ts'

let testApp: TestApp

t.before(async () => {
  testApp = await buildTestApp()
})
t.teardown(() => testApp?.close())

const LOGIN = `mutation ($email: String!, $password: String!) {
  login(email: $email, password: $password) { token user { id email name active role { name } } }
}`
const ME = '{ me { id email name role { name permissions { manageUsers viewHistory } } } }'
const PASSWORD = 'correct horse battery'

type GqlError = { message: string, extensions?: { code?: string, fields?: { path: string, message: string }[] } }
function codeOf (res: { errors?: GqlError[] }): string | undefined {
  return res.errors?.[0]?.extensions?.code
}

let serial = 0
/** A fresh agent with a known password, created without GraphQL (as the seed does). */
async function newAgent (role = 'agent'): Promise<{ id: string, email: string }> {
  const email = `agent${++serial}-${Date.now()}@example.org`
  const { id } = await createUser(testApp.core, { email, name: `Agent ${serial}`, password: PASSWORD, role })
  return { id, email }
}

async function meId (token: string | null): Promise<string | null> {
  const res = await testApp.agent(token ?? undefined).query<{ me: { id: string } | null }>(ME)
  if (res.errors !== undefined) throw new Error(`me should never fail: ${JSON.stringify(res.errors)}`)
  return res.data?.me?.id ?? null
}

type Asserts = Pick<typeof t, 'equal' | 'fail'>

/** The promise fails with an OpenlineError of `code` (and a field error on `path` when given). */
async function rejectsWith (t: Asserts, promise: Promise<unknown>, code: string, path?: string): Promise<void> {
  try {
    await promise
    t.fail(`expected ${code}`)
  } catch (err) {
    const e = err as { code?: string, fields?: { path: string }[] }
    t.equal(e.code, code, (err as Error).message)
    if (path !== undefined) t.equal(e.fields?.[0]?.path, path)
  }
}

async function loginToken (email: string, password = PASSWORD): Promise<string> {
  const res = await testApp.agent().query<{ login: { token: string } }>(LOGIN, { email, password })
  if (res.errors !== undefined) throw new Error(`login failed: ${JSON.stringify(res.errors)}`)
  return res.data!.login.token
}

t.test('passwords: argon2id, 10 to 256 characters', async (t) => {
  const hash = await hashPassword(PASSWORD)
  t.match(hash, /^\$argon2id\$/)
  t.ok(await verifyPassword(hash, PASSWORD))
  t.notOk(await verifyPassword(hash, `${PASSWORD}!`))
  t.notOk(await verifyPassword('not a hash', PASSWORD), 'a broken hash is a failed check, not a crash')
  await rejectsWith(t, hashPassword('short'), 'OL_VALIDATION', '/password')
  await rejectsWith(t, hashPassword('x'.repeat(257)), 'OL_VALIDATION')
  t.ok(await hashPassword('x'.repeat(256)))
  t.ok(await hashPassword('0123456789'))
})

t.test('login with the right password returns a working token', async (t) => {
  const { admin } = testApp
  const res = await testApp.agent().query<{ login: { token: string, user: { id: string, email: string, role: { name: string } } } }>(LOGIN, { email: admin.email, password: admin.password })
  t.equal(res.errors, undefined)
  const { token, user } = res.data!.login
  t.equal(user.id, admin.id)
  t.equal(user.email, normalizeEmail(admin.email), 'the payload shows the user their own e-mail')
  t.equal(user.role.name, 'admin')
  t.equal(token.split('.').length, 3, 'a JWT')
  t.equal(await meId(token), admin.id, 'the token authenticates over HTTP')

  const me = await testApp.agent(token).query<{ me: { role: { permissions: { manageUsers: boolean, viewHistory: string } } } }>(ME)
  t.same(me.data!.me.role.permissions, { manageUsers: true, viewHistory: 'ALL' })

  // Accepted in both forms: "Bearer <jwt>" (HTTP) and the bare token (websocket connection params).
  t.equal((await authenticate(testApp.core, `Bearer ${token}`))?.id, admin.id)
  t.equal((await authenticate(testApp.core, token))?.id, admin.id)
  const authUser = await authenticate(testApp.core, token)
  t.same(authUser?.permissions, { manageOpenChannels: true, manageUsers: true, manageRoles: true, viewHistory: 'all' })
  t.equal(await authenticate(testApp.core, null), null)
  t.equal(await authenticate(testApp.core, ''), null)
  t.equal(await authenticate(testApp.core, 'Bearer '), null)
  t.equal(await meId(null), null, 'no token: me is null')
})

t.test('the e-mail is matched case- and space-insensitively', async (t) => {
  const agent = await newAgent()
  const token = await loginToken(`  ${agent.email.toUpperCase()} `)
  t.equal(await meId(token), agent.id)
})

t.test('wrong password, unknown e-mail and dismissed user fail alike', async (t) => {
  const agent = await newAgent()
  const wrong = await testApp.agent().query(LOGIN, { email: agent.email, password: `${PASSWORD}x` })
  t.equal(codeOf(wrong), 'OL_UNAUTHENTICATED')
  t.equal(wrong.data ?? null, null)
  const unknown = await testApp.agent().query(LOGIN, { email: `nobody-${Date.now()}@example.org`, password: PASSWORD })
  t.equal(codeOf(unknown), 'OL_UNAUTHENTICATED')
  t.equal(unknown.errors?.[0]?.message, wrong.errors?.[0]?.message, 'no user enumeration through the message')

  const token = await loginToken(agent.email)
  t.equal(await meId(token), agent.id)
  await updateUser(testApp.core, agent.id, { active: false })
  const dismissed = await testApp.agent().query(LOGIN, { email: agent.email, password: PASSWORD })
  t.equal(codeOf(dismissed), 'OL_UNAUTHENTICATED', 'a dismissed user cannot sign in')
  t.equal(dismissed.errors?.[0]?.message, wrong.errors?.[0]?.message)
  t.equal(await meId(token), null, 'and their tokens stop working')

  await updateUser(testApp.core, agent.id, { active: true })
  t.equal(await meId(token), null, 'reactivation does not revive old tokens')
  t.equal(await meId(await loginToken(agent.email)), agent.id, 'but they can sign in again')

  // The active flag alone is enough to refuse a token (even if the version was never bumped).
  const other = await newAgent()
  const otherToken = await loginToken(other.email)
  await testApp.core.orm.em.fork().execute('update users set active = false where id = ?', [other.id])
  t.equal(await meId(otherToken), null, 'inactive user: token refused')
  t.equal(await authenticate(testApp.core, otherToken), null)
})

t.test('tampered and foreign tokens are rejected', async (t) => {
  const agent = await newAgent()
  const token = await loginToken(agent.email)
  const [header, payload, signature] = token.split('.')
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
  t.equal(claims.sub, agent.id)
  t.type(claims.tv, 'number')
  t.type(claims.exp, 'number')

  // Claim to be the admin while keeping the agent's signature.
  const forged = Buffer.from(JSON.stringify({ ...claims, sub: testApp.admin.id })).toString('base64url')
  t.equal(await meId(`${header}.${forged}.${signature}`), null, 'changed payload')
  t.equal(await authenticate(testApp.core, `${header}.${forged}.${signature}`), null)
  const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA')
  t.equal(await meId(`${header}.${payload}.${flipped}`), null, 'changed signature')

  const otherKey = createSigner({ key: 'another-secret-key-of-at-least-32-characters', algorithm: 'HS256', expiresIn: 60_000 })
  t.equal(await meId(otherKey({ sub: agent.id, tv: claims.tv })), null, 'signed with another key')

  const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`
  t.equal(await meId(none), null, 'alg none')
  t.equal(await meId('not-a-jwt'), null, 'garbage')
  t.equal(await meId(token), agent.id, 'the genuine token still works')
})

t.test('expired tokens are rejected', async (t) => {
  const agent = await newAgent()
  const user = await testApp.core.orm.em.fork().execute('select token_version from users where id = ?', [agent.id])
  const tv = Number(user[0].token_version)
  const sign = createSigner({ key: testApp.core.config.secretKey, algorithm: 'HS256', noTimestamp: true })
  const now = Math.floor(Date.now() / 1000)
  const expired = sign({ sub: agent.id, tv, iat: now - 120, exp: now - 60 })
  t.equal(await authenticate(testApp.core, expired), null)
  t.equal(await meId(expired), null)
  const fresh = sign({ sub: agent.id, tv, iat: now, exp: now + 60 })
  t.equal(await meId(fresh), agent.id, 'the same claims with a future exp pass: only expiry failed')
  const noExp = sign({ sub: agent.id, tv })
  t.equal(await authenticate(testApp.core, noExp), null, 'a token without exp never passes')

  const issued = issueToken(testApp.core, { id: agent.id, tokenVersion: tv })
  const claims = JSON.parse(Buffer.from(issued.split('.')[1], 'base64url').toString('utf8'))
  t.equal(claims.exp - claims.iat, testApp.core.config.auth.tokenTtlSec, 'exp comes from auth.tokenTtlSec')
})

t.test('changePassword: needs the current password, kills older tokens, returns a fresh one', async (t) => {
  const agent = await newAgent()
  const oldToken = await loginToken(agent.email)
  const otherSession = await loginToken(agent.email)
  const client = testApp.agent(oldToken)
  const CHANGE = `mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token user { id email } } }`

  const wrong = await client.query(CHANGE, { c: 'not my password', n: 'a brand new password' })
  t.equal(codeOf(wrong), 'OL_VALIDATION')
  t.equal(wrong.errors?.[0]?.extensions?.fields?.[0]?.path, '/currentPassword')
  const short = await client.query(CHANGE, { c: PASSWORD, n: 'short' })
  t.equal(codeOf(short), 'OL_VALIDATION')
  t.equal(short.errors?.[0]?.extensions?.fields?.[0]?.path, '/newPassword')
  t.equal(await meId(oldToken), agent.id, 'failed attempts change nothing')
  const anonymous = await testApp.agent().query(CHANGE, { c: PASSWORD, n: 'a brand new password' })
  t.equal(codeOf(anonymous), 'OL_UNAUTHENTICATED')

  const res = await client.query<{ changePassword: { token: string, user: { id: string, email: string } } }>(CHANGE, { c: PASSWORD, n: 'a brand new password' })
  t.equal(res.errors, undefined)
  const newToken = res.data!.changePassword.token
  t.equal(res.data!.changePassword.user.id, agent.id)
  t.equal(await meId(oldToken), null, 'the token used for the change is dead')
  t.equal(await meId(otherSession), null, 'every other session is dead')
  t.equal(await meId(newToken), agent.id, 'the returned token works')
  t.equal(codeOf(await testApp.agent().query(LOGIN, { email: agent.email, password: PASSWORD })), 'OL_UNAUTHENTICATED', 'old password refused')
  t.equal(await meId(await loginToken(agent.email, 'a brand new password')), agent.id, 'new password accepted')
})

t.test('setUserPassword (admin) kills the user\'s tokens', async (t) => {
  const agent = await newAgent()
  const token = await loginToken(agent.email)
  const admin = await testApp.login(testApp.admin.email, testApp.admin.password)
  const SET = 'mutation ($id: ID!, $p: String!) { setUserPassword(id: $id, password: $p) }'
  const short = await admin.query(SET, { id: agent.id, p: 'short' })
  t.equal(codeOf(short), 'OL_VALIDATION')
  t.equal(await meId(token), agent.id, 'a refused change leaves the token alive')
  const res = await admin.query<{ setUserPassword: boolean }>(SET, { id: agent.id, p: 'set by the admin 1' })
  t.equal(res.errors, undefined)
  t.equal(res.data!.setUserPassword, true)
  t.equal(await meId(token), null)
  t.equal(await meId(await loginToken(agent.email, 'set by the admin 1')), agent.id)
  t.equal(codeOf(await admin.query(SET, { id: '999999999', p: 'set by the admin 1' })), 'OL_NOT_FOUND')
  t.not(await meId(admin.token), null, 'the admin\'s own session is untouched')
})

t.test('logoutEverywhere kills every token of the caller only', async (t) => {
  const agent = await newAgent()
  const other = await newAgent()
  const a = await loginToken(agent.email)
  const b = await loginToken(agent.email)
  const otherToken = await loginToken(other.email)
  const res = await testApp.agent(a).query<{ logoutEverywhere: boolean }>('mutation { logoutEverywhere }')
  t.equal(res.errors, undefined)
  t.equal(res.data!.logoutEverywhere, true)
  t.equal(await meId(a), null)
  t.equal(await meId(b), null)
  t.equal(await meId(otherToken), other.id, 'another user is not affected')
  t.equal(codeOf(await testApp.agent().query('mutation { logoutEverywhere }')), 'OL_UNAUTHENTICATED')
  t.equal(await meId(await loginToken(agent.email)), agent.id, 'signing in again works')
})

t.test('failed sign-ins are throttled per e-mail', async (t) => {
  const limit = testApp.core.config.auth.loginAttemptsPerMinute
  const agent = await newAgent()
  const bystander = await newAgent()
  for (let i = 0; i < limit; i++) {
    const res = await testApp.agent().query(LOGIN, { email: agent.email, password: `wrong password ${i}` })
    t.equal(codeOf(res), 'OL_UNAUTHENTICATED', `attempt ${i + 1} is judged`)
  }
  const blocked = await testApp.agent().query(LOGIN, { email: agent.email, password: PASSWORD })
  t.equal(codeOf(blocked), 'OL_RATE_LIMITED', 'over the limit even the right password is refused')
  const differentCase = await testApp.agent().query(LOGIN, { email: agent.email.toUpperCase(), password: PASSWORD })
  t.equal(codeOf(differentCase), 'OL_RATE_LIMITED', 'the counter is per normalised e-mail')
  t.equal(await meId(await loginToken(bystander.email)), bystander.id, 'other e-mails are not affected')

  // The counter lives in Redis under the test's prefix and expires within a minute.
  const keys = await testApp.core.redis.keys(testApp.core.redisKey('auth:login:*'))
  t.ok(keys.length >= 1)
  for (const key of keys) {
    const ttl = await testApp.core.redis.ttl(key)
    t.ok(ttl > 0 && ttl <= 60, `key ${key} expires (ttl ${ttl})`)
  }

  // Once the window is over (simulated by removing the counters) the right password works again.
  await testApp.core.redis.del(...keys)
  t.equal(await meId(await loginToken(agent.email)), agent.id)

  // Unknown e-mails are throttled the same way: the limit reveals nothing.
  const ghost = `ghost-${Date.now()}@example.org`
  for (let i = 0; i < limit; i++) await testApp.agent().query(LOGIN, { email: ghost, password: 'whatever it is' })
  t.equal(codeOf(await testApp.agent().query(LOGIN, { email: ghost, password: 'whatever it is' })), 'OL_RATE_LIMITED')
})

t.test('createUser: validation, e-mail normalisation and uniqueness', async (t) => {
  const email = `  New.Person-${Date.now()}@Example.ORG `
  const { id } = await createUser(testApp.core, { email, name: ' New Person ', password: PASSWORD, role: 'supervisor' })
  const user = await getUser(testApp.core, id)
  t.equal(user?.email, email.trim().toLowerCase())
  t.equal(user?.name, 'New Person')
  t.equal(user?.role.name, 'supervisor')
  t.equal(user?.active, true)
  const stored = await testApp.core.orm.em.fork().execute('select password_hash from users where id = ?', [id])
  t.match(stored[0].password_hash, /^\$argon2id\$/, 'only a hash is stored')

  await rejectsWith(t, createUser(testApp.core, { email: email.toUpperCase(), name: 'Twin', password: PASSWORD, role: 'agent' }), 'OL_CONFLICT')
  await rejectsWith(t, createUser(testApp.core, { email: 'not-an-email', name: 'X', password: PASSWORD, role: 'agent' }), 'OL_VALIDATION', '/email')
  await rejectsWith(t, createUser(testApp.core, { email: `x${Date.now()}@example.org`, name: '  ', password: PASSWORD, role: 'agent' }), 'OL_VALIDATION', '/name')
  await rejectsWith(t, createUser(testApp.core, { email: `y${Date.now()}@example.org`, name: 'Y', password: 'short', role: 'agent' }), 'OL_VALIDATION', '/password')
  await rejectsWith(t, createUser(testApp.core, { email: `z${Date.now()}@example.org`, name: 'Z', password: PASSWORD, role: 'no such role' }), 'OL_VALIDATION', '/role')

  // Through GraphQL, by an admin; the role may be given by id.
  const admin = await testApp.login(testApp.admin.email, testApp.admin.password)
  const roles = await admin.query<{ roles: { id: string, name: string }[] }>('{ roles { id name } }')
  const agentRoleId = roles.data!.roles.find(r => r.name === 'agent')!.id
  const CREATE = `mutation ($input: CreateUserInput!) { createUser(input: $input) { id email name active role { name } departments { id } } }`
  const created = await admin.query<{ createUser: { id: string, email: string, role: { name: string } } }>(CREATE, {
    input: { email: `Via.GraphQL-${Date.now()}@example.org`, name: 'Via GraphQL', password: PASSWORD, role: agentRoleId }
  })
  t.equal(created.errors, undefined)
  t.equal(created.data!.createUser.role.name, 'agent')
  t.match(created.data!.createUser.email, /^via\.graphql-\d+@example\.org$/)
  const duplicate = await admin.query(CREATE, { input: { email: created.data!.createUser.email, name: 'Again', password: PASSWORD, role: 'agent' } })
  t.equal(codeOf(duplicate), 'OL_CONFLICT')
  const invalid = await admin.query(CREATE, { input: { email: 'nope', name: 'Nope', password: PASSWORD, role: 'agent' } })
  t.equal(codeOf(invalid), 'OL_VALIDATION')
  t.equal(invalid.errors?.[0]?.extensions?.fields?.[0]?.path, '/email')
})

t.test('agents see colleagues without e-mail or role; the password hash is never exposed', async (t) => {
  const agent = await newAgent()
  const client = await testApp.login(agent.email, PASSWORD)
  const res = await client.query<{ users: { id: string, name: string, email: string | null, role: { name: string } | null, active: boolean }[] }>(
    '{ users { id name email role { name } active avatarUrl createdAt } }')
  t.equal(res.errors, undefined)
  const users = res.data!.users
  const self = users.find(u => u.id === agent.id)!
  const admin = users.find(u => u.id === testApp.admin.id)!
  t.equal(self.email, agent.email, 'own e-mail visible')
  t.equal(self.role?.name, 'agent')
  t.equal(admin.name.length > 0, true, 'colleague names visible')
  t.equal(admin.email, null, 'colleague e-mail hidden')
  t.equal(admin.role, null, 'colleague role hidden')
  const one = await client.query<{ user: { email: string | null } }>('query ($id: ID!) { user(id: $id) { email } }', { id: testApp.admin.id })
  t.equal(one.data!.user.email, null)

  const managerView = await (await testApp.login(testApp.admin.email, testApp.admin.password))
    .query<{ user: { email: string, role: { name: string } } }>('query ($id: ID!) { user(id: $id) { email role { name } } }', { id: agent.id })
  t.equal(managerView.data!.user.email, agent.email, 'a user manager sees e-mails')
  t.equal(managerView.data!.user.role.name, 'agent')

  const hash = await client.query('{ me { passwordHash } }')
  t.ok(hash.errors, 'no passwordHash field in the schema')
  const version = await client.query('{ me { tokenVersion } }')
  t.ok(version.errors, 'no tokenVersion field in the schema')
  const anonymous = await testApp.agent().query('{ users { id } }')
  t.equal(codeOf(anonymous), 'OL_UNAUTHENTICATED')
})

t.test('inactive users are listed only on request', async (t) => {
  const agent = await newAgent()
  await updateUser(testApp.core, agent.id, { active: false })
  const admin = await testApp.login(testApp.admin.email, testApp.admin.password)
  const active = await admin.query<{ users: { id: string }[] }>('{ users { id } }')
  t.notOk(active.data!.users.some(u => u.id === agent.id))
  const all = await admin.query<{ users: { id: string, active: boolean }[] }>('{ users(includeInactive: true) { id active } }')
  t.same(all.data!.users.find(u => u.id === agent.id), { id: agent.id, active: false })
})
