import { createSigner, createVerifier } from 'fast-jwt'
import type { AuthUser } from '@openline/sdk'
import type { Core } from '../core.ts'
import { readRows, isId } from './roles.ts'
import { storedPermissions } from './permissions.ts'

interface TokenTools {
  sign: (payload: Record<string, unknown>) => string
  verify: (token: string) => Record<string, unknown>
}

// One signer/verifier per core (they precompute the key); keyed weakly so a closed core goes away.
const tools = new WeakMap<Core, TokenTools>()

function toolsFor (core: Core): TokenTools {
  let found = tools.get(core)
  if (found === undefined) {
    const key = core.config.secretKey
    found = {
      // fast-jwt takes milliseconds for expiresIn.
      sign: createSigner({ key, algorithm: 'HS256', expiresIn: core.config.auth.tokenTtlSec * 1000 }),
      // Only HS256: a token claiming "none" or another algorithm is refused before its claims are read.
      verify: createVerifier({ key, algorithms: ['HS256'], requiredClaims: ['sub', 'tv', 'exp'] })
    }
    tools.set(core, found)
  }
  return found
}

/**
 * A session token for `user`: HS256 JWT signed with `config.secretKey`, `sub` = user id,
 * `tv` = the user's token version (bumping it kills every older token), `exp` = now + tokenTtlSec.
 */
export function issueToken (core: Core, user: { id: string, tokenVersion: number }): string {
  return toolsFor(core).sign({ sub: String(user.id), tv: user.tokenVersion })
}

/** `Bearer <jwt>` or a bare token (graphql-ws connection params) → the token, or null. */
function tokenOf (bearer: string | undefined | null): string | null {
  if (typeof bearer !== 'string') return null
  const value = bearer.trim().replace(/^bearer\s+/i, '').trim()
  return value === '' ? null : value
}

/**
 * The signed-in user behind a token, or null when the token is missing, malformed, tampered
 * with, expired, or older than the user's last password change / "log out everywhere", or when
 * the user is dismissed. One SQL round trip: user, role and department ids together.
 */
export async function authenticate (core: Core, bearer: string | undefined | null): Promise<AuthUser | null> {
  const token = tokenOf(bearer)
  if (token === null) return null
  let claims: Record<string, unknown>
  try {
    claims = toolsFor(core).verify(token)
  } catch {
    return null
  }
  const { sub, tv } = claims
  if (!isId(sub) || typeof tv !== 'number' || !Number.isInteger(tv)) return null
  const [row] = await readRows(core, `select u.id, u.name, u.email, u.role_id, r.permissions,
      coalesce((select array_agg(dm.department_id::text order by dm.department_id) from department_members dm where dm.user_id = u.id), '{}') as department_ids
    from users u join roles r on r.id = u.role_id
    where u.id = ? and u.active and u.token_version = ?`, [sub, tv])
  if (row === undefined) return null
  return {
    id: String(row.id),
    name: row.name,
    email: row.email,
    roleId: String(row.role_id),
    departmentIds: (row.department_ids ?? []).map(String),
    permissions: storedPermissions(row.permissions)
  }
}
