// What the server's agent schema offers, asked once at start with a tiny introspection query.
// Plugins' actions (quick answers, tasks, CRM…) are shown only when their fields exist; when
// introspection is disabled (production default) they stay hidden, while fields of the core itself
// are assumed present.
import type { Api } from './api.ts'

export interface TypeRef { kind: string, name: string | null, ofType: TypeRef | null }
export interface ArgInfo { name: string, type: TypeRef }
export interface FieldInfo { name: string, args: ArgInfo[], type: TypeRef }

export interface Schema {
  /** False when introspection was refused. */
  known: boolean
  /** A field of the core (present in every current server): true unless introspection says otherwise. */
  core: (type: RootType, field: string) => boolean
  /** A field a plugin may add: true only when introspection saw it. */
  plugin: (type: RootType, field: string) => boolean
  /** Arguments and result type of a mutation or query field, when known. */
  field: (type: 'Query' | 'Mutation', name: string) => FieldInfo | undefined
}

export type RootType = 'Query' | 'Mutation' | 'Subscription' | 'Conversation' | 'Message' | 'Participant'

const typeRef = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }'
const withArgs = `fields { name args { name type { ${typeRef} } } type { ${typeRef} } }`

export const schemaQuery = `query ConsoleSchema {
  Query: __type(name: "Query") { ${withArgs} }
  Mutation: __type(name: "Mutation") { ${withArgs} }
  Subscription: __type(name: "Subscription") { fields { name } }
  Conversation: __type(name: "Conversation") { fields { name } }
  Message: __type(name: "Message") { fields { name } }
  Participant: __type(name: "Participant") { fields { name } }
}`

type Introspected = Record<RootType, { fields: (FieldInfo | { name: string })[] } | null>

export function schemaFrom (data: Introspected | null): Schema {
  if (data === null) {
    return { known: false, core: () => true, plugin: () => false, field: () => undefined }
  }
  const fields = new Map<string, Map<string, FieldInfo | { name: string }>>()
  for (const [type, value] of Object.entries(data)) fields.set(type, new Map((value?.fields ?? []).map(f => [f.name, f])))
  const has = (type: RootType, field: string): boolean => fields.get(type)?.has(field) ?? false
  return {
    known: true,
    core: has,
    plugin: has,
    field: (type, name) => {
      const found = fields.get(type)?.get(name)
      return found !== undefined && 'args' in found ? found : undefined
    }
  }
}

export async function loadSchema (api: Api): Promise<Schema> {
  try {
    return schemaFrom(await api.request<Introspected>(schemaQuery))
  } catch {
    return schemaFrom(null)
  }
}

/** The named type under NON_NULL / LIST wrappers. */
export function namedType (ref: TypeRef): TypeRef {
  let current = ref
  while (current.ofType !== null && (current.kind === 'NON_NULL' || current.kind === 'LIST')) current = current.ofType
  return current
}

export function hasArg (schema: Schema, type: 'Query' | 'Mutation', field: string, arg: string): boolean {
  const info = schema.field(type, field)
  // Unknown schema: trust the documented core API.
  if (info === undefined) return !schema.known
  return info.args.some(a => a.name === arg)
}
