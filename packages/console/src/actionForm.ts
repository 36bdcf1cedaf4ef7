// Turns a plugin mutation's arguments into a form: the console does not know the plugins' input
// types in advance, so it reads them from the schema when the agent opens the action.
import type { Api } from './api.ts'
import { namedType, type FieldInfo, type TypeRef } from './schema.ts'

export type InputKind = 'text' | 'longText' | 'number' | 'boolean' | 'dateTime' | 'user' | 'users' | 'openChannel' | 'choice' | 'json'

export interface FormField {
  /** Argument name, then input-object field name when nested. */
  path: [string] | [string, string]
  label: string
  kind: InputKind
  required: boolean
  list: boolean
  choices: string[]
}

export interface ActionShape {
  fields: FormField[]
  /** Selection set for the mutation's result ('' for a scalar). */
  selection: string
  /** The object type the mutation returns, e.g. Conversation. */
  resultType: string | null
  /** Input-object fields the console fills itself (messageId inside an input): [argument, field]. */
  filledInputs: [string, string][]
}

interface TypeInfo {
  kind: string
  name: string
  inputFields: { name: string, type: TypeRef }[] | null
  enumValues: { name: string }[] | null
  fields: { name: string, args: { name: string }[], type: TypeRef }[] | null
}

const typeRef = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }'
const typeQuery = `query ConsoleType($name: String!) { __type(name: $name) { kind name inputFields { name type { ${typeRef} } } enumValues { name } fields { name args { name } type { ${typeRef} } } } }`

async function typeInfo (api: Api, name: string): Promise<TypeInfo | null> {
  const data = await api.request<{ __type: TypeInfo | null }>(typeQuery, { name })
  return data.__type
}

const label = (name: string): string => name.replace(/Id$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, c => c.toUpperCase())

function kindOf (name: string, scalar: string, list: boolean): InputKind {
  if (scalar === 'ID' && list && /(attendee|member|user)Ids$/i.test(name)) return 'users'
  if (scalar === 'Boolean') return 'boolean'
  if (scalar === 'Int' || scalar === 'Float') return 'number'
  if (scalar === 'DateTime') return 'dateTime'
  if (scalar === 'JSON') return 'json'
  if (scalar === 'ID' && /(^user|assignee|owner|^to)Id$|userId$/i.test(name)) return 'user'
  if (scalar === 'ID' && /openChannelId$/i.test(name)) return 'openChannel'
  if (/description|body|text|comment|note/i.test(name)) return 'longText'
  return 'text'
}

async function fieldFor (api: Api, path: FormField['path'], type: TypeRef): Promise<FormField> {
  const named = namedType(type)
  const name = path[path.length - 1]
  const list = type.kind === 'LIST' || type.ofType?.kind === 'LIST'
  const base = { path, label: label(name.replace(/Ids$/, 's')), required: type.kind === 'NON_NULL', list, choices: [] as string[] }
  if (named.kind === 'ENUM' && named.name !== null) {
    const info = await typeInfo(api, named.name)
    return { ...base, kind: 'choice', choices: (info?.enumValues ?? []).map(v => v.name) }
  }
  return { ...base, kind: kindOf(name, named.name ?? 'String', list) }
}

/** Scalar fields without arguments of an object type: what a generic list can show. */
export async function scalarFieldsOf (api: Api, typeName: string): Promise<string[]> {
  const info = await typeInfo(api, typeName)
  return (info?.fields ?? []).filter(f => f.args.length === 0 && ['SCALAR', 'ENUM'].includes(namedType(f.type).kind)).map(f => f.name)
}

/** The form and result selection of `field`; `filled` names the arguments the console sets itself. */
export async function describeAction (api: Api, field: FieldInfo, filled: Set<string>): Promise<ActionShape> {
  const fields: FormField[] = []
  const filledInputs: [string, string][] = []
  for (const arg of field.args) {
    if (filled.has(arg.name)) continue
    const named = namedType(arg.type)
    if (named.kind === 'INPUT_OBJECT' && named.name !== null) {
      const info = await typeInfo(api, named.name)
      for (const f of info?.inputFields ?? []) {
        if (f.name !== 'id' && filled.has(f.name)) { filledInputs.push([arg.name, f.name]); continue }
        if (namedType(f.type).kind === 'INPUT_OBJECT') continue // deeper nesting: not offered in a form
        fields.push(await fieldFor(api, [arg.name, f.name], f.type))
      }
    } else {
      fields.push(await fieldFor(api, [arg.name], arg.type))
    }
  }
  const result = namedType(field.type)
  let selection = ''
  if ((result.kind === 'OBJECT' || result.kind === 'INTERFACE') && result.name !== null) {
    const scalars = await scalarFieldsOf(api, result.name)
    selection = `{ __typename ${scalars.join(' ')} }`
  }
  return { fields, selection, resultType: result.kind === 'OBJECT' ? result.name : null, filledInputs }
}

/** Form values (strings from inputs, booleans from checkboxes) → GraphQL variables. */
export function toVariables (shape: ActionShape, values: Record<string, unknown>, filled: Record<string, string>, argNames: string[]): Record<string, unknown> {
  const vars: Record<string, unknown> = {}
  for (const name of argNames) if (name in filled) vars[name] = filled[name]
  for (const f of shape.fields) {
    const key = f.path.join('.')
    const raw = values[key]
    let value: unknown = raw
    if (raw === undefined || raw === '' || (Array.isArray(raw) && raw.length === 0)) {
      if (f.kind === 'boolean') value = false
      else continue
    } else if (f.kind === 'number') value = Number(raw)
    else if (f.kind === 'dateTime') value = new Date(String(raw)).toISOString()
    else if (f.kind === 'json') value = JSON.parse(String(raw))
    if (f.list && !Array.isArray(value)) value = [value]
    if (f.path.length === 1) vars[f.path[0]] = value
    else {
      const [arg, field] = f.path
      const input = (vars[arg] ?? {}) as Record<string, unknown>
      input[field] = value
      vars[arg] = input
    }
  }
  for (const [arg, field] of shape.filledInputs) vars[arg] = { ...(vars[arg] as Record<string, unknown> | undefined), [field]: filled[field] }
  // Input objects the agent left empty are still sent when the mutation needs them.
  for (const f of shape.fields) if (f.path.length === 2 && !(f.path[0] in vars)) vars[f.path[0]] = {}
  return vars
}

/** The mutation document, with variable types copied from the schema. */
export function actionDocument (field: FieldInfo, shape: ActionShape, sent: Set<string>): string {
  const printType = (t: TypeRef): string => t.kind === 'NON_NULL' ? `${printType(t.ofType as TypeRef)}!` : t.kind === 'LIST' ? `[${printType(t.ofType as TypeRef)}]` : String(t.name)
  const args = field.args.filter(a => sent.has(a.name))
  const decl = args.map(a => `$${a.name}: ${printType(a.type)}`).join(', ')
  const call = args.map(a => `${a.name}: $${a.name}`).join(', ')
  return `mutation ConsoleAction${decl === '' ? '' : `(${decl})`} { result: ${field.name}${call === '' ? '' : `(${call})`} ${shape.selection} }`
}
