// CRM form definitions (E2, I6) that admins manage: fields with a type, required flag, options,
// maximum length and a validation pattern. Checked in full when saved, so sending never fails on them.
import type { CrmFormField, FieldError, Id, PluginContext, Tx } from '@openline/sdk'
import { date, invalid, notFound, rows, type Row } from '../db.ts'

export const fieldTypes = ['text', 'email', 'phone', 'number', 'date', 'select', 'checkbox', 'textarea'] as const
export type FieldType = typeof fieldTypes[number]

/** The SDK's field plus a pattern the whole value must match (proposed for the SDK). */
export interface FormField extends CrmFormField {
  pattern?: string
}

export interface FormDefinition {
  id: Id
  title: string
  fields: FormField[]
  archived: boolean
  createdAt: Date
  updatedAt: Date
}

export const limits = {
  fields: 50,
  title: 200,
  label: 200,
  options: 100,
  option: 200,
  pattern: 500,
  /** The longest value any field takes; also the default of text-like fields without maxLength. */
  text: 1000,
  textarea: 10_000
}

/** The most a field of this type accepts, given its own maxLength. */
export function maxLengthOf (field: FormField): number {
  const ceiling = field.type === 'textarea' ? limits.textarea : field.type === 'email' ? 254 : field.type === 'phone' ? 50 : limits.text
  return Math.min(field.maxLength ?? ceiling, ceiling)
}

/** A pattern matches the whole value; compiled once per use (admins write them, values are short). */
export function patternOf (field: FormField): RegExp | null {
  return field.pattern === undefined ? null : new RegExp(`^(?:${field.pattern})$`, 'u')
}

export interface FormInput {
  title: unknown
  fields: unknown
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A definition as admins give it, cleaned, or OL_VALIDATION listing every problem. */
export function checkForm (input: FormInput): { title: string, fields: FormField[] } {
  const errors: FieldError[] = []
  const title = typeof input.title === 'string' ? input.title.trim() : ''
  if (title === '' || title.length > limits.title) errors.push({ path: '/title', message: `1 to ${limits.title} characters` })
  const given = Array.isArray(input.fields) ? input.fields : []
  if (given.length === 0 || given.length > limits.fields) errors.push({ path: '/fields', message: `1 to ${limits.fields} fields` })
  const names = new Set<string>()
  const fields: FormField[] = []
  given.slice(0, limits.fields).forEach((raw, i) => {
    const at = (key: string): string => `/fields/${i}/${key}`
    if (!isObject(raw)) { errors.push({ path: `/fields/${i}`, message: 'must be an object' }); return }
    const name = typeof raw.name === 'string' ? raw.name : ''
    if (!/^[a-zA-Z][a-zA-Z0-9_]{0,49}$/.test(name)) errors.push({ path: at('name'), message: 'a letter then letters, digits or _ (at most 50)' })
    else if (names.has(name)) errors.push({ path: at('name'), message: 'another field has this name' })
    names.add(name)
    const label = typeof raw.label === 'string' ? raw.label.trim() : ''
    if (label === '' || label.length > limits.label) errors.push({ path: at('label'), message: `1 to ${limits.label} characters` })
    const type = raw.type as FieldType
    if (!fieldTypes.includes(type)) errors.push({ path: at('type'), message: `one of ${fieldTypes.join(', ')}` })
    const field: FormField = { name, label, type, required: raw.required === true }
    if (raw.options !== undefined && raw.options !== null) {
      const options = Array.isArray(raw.options) ? raw.options : []
      const clean = options.map(o => typeof o === 'string' ? o.trim() : '')
      if (type !== 'select') errors.push({ path: at('options'), message: 'only select fields have options' })
      else if (clean.length === 0 || clean.length > limits.options || clean.some(o => o === '' || o.length > limits.option) || new Set(clean).size !== clean.length) {
        errors.push({ path: at('options'), message: `1 to ${limits.options} different options of 1 to ${limits.option} characters` })
      } else field.options = clean
    } else if (type === 'select') errors.push({ path: at('options'), message: 'a select field needs options' })
    if (raw.maxLength !== undefined && raw.maxLength !== null) {
      const textual = type === 'text' || type === 'textarea' || type === 'email' || type === 'phone'
      if (!textual) errors.push({ path: at('maxLength'), message: 'only text, textarea, email and phone fields have a maximum length' })
      else if (!Number.isInteger(raw.maxLength) || (raw.maxLength as number) < 1 || (raw.maxLength as number) > limits.textarea) errors.push({ path: at('maxLength'), message: `1 to ${limits.textarea}` })
      else field.maxLength = raw.maxLength as number
    }
    if (raw.pattern !== undefined && raw.pattern !== null && raw.pattern !== '') {
      const pattern = raw.pattern
      if (type !== 'text' && type !== 'textarea' && type !== 'phone') errors.push({ path: at('pattern'), message: 'only text, textarea and phone fields have a pattern' })
      else if (typeof pattern !== 'string' || pattern.length > limits.pattern) errors.push({ path: at('pattern'), message: `at most ${limits.pattern} characters` })
      else {
        try {
          patternOf({ ...field, pattern })
          field.pattern = pattern
        } catch {
          errors.push({ path: at('pattern'), message: 'not a valid regular expression' })
        }
      }
    }
    fields.push(field)
  })
  if (errors.length > 0) throw invalid(errors, 'form')
  return { title, fields }
}

const columns = 'id::text, title, fields, archived, created_at, updated_at'

function toForm (r: Row): FormDefinition {
  return { id: r.id, title: r.title, fields: r.fields, archived: r.archived, createdAt: date(r.created_at) as Date, updatedAt: date(r.updated_at) as Date }
}

export async function listForms (ctx: PluginContext<any>, includeArchived: boolean): Promise<FormDefinition[]> {
  return (await rows(ctx, `select ${columns} from crm_forms ${includeArchived ? '' : 'where not archived'} order by title, id limit 500`)).map(toForm)
}

export async function readForm (ctx: PluginContext<any>, id: Id, tx?: Tx): Promise<FormDefinition | null> {
  const [row] = await rows(ctx, `select ${columns} from crm_forms where id = ?`, [id], tx)
  return row === undefined ? null : toForm(row)
}

export async function insertForm (tx: Tx, form: { title: string, fields: FormField[] }, userId: Id): Promise<FormDefinition> {
  const [row] = await tx.query(`insert into crm_forms (title, fields, created_by) values (?, ?::jsonb, ?) returning ${columns}`, [form.title, JSON.stringify(form.fields), userId])
  return toForm(row)
}

export async function updateForm (tx: Tx, id: Id, change: { title: string, fields: FormField[] } | { archived: boolean }): Promise<FormDefinition> {
  const [row] = 'archived' in change
    ? await tx.query(`update crm_forms set archived = ?, updated_at = now() where id = ? returning ${columns}`, [change.archived, id])
    : await tx.query(`update crm_forms set title = ?, fields = ?::jsonb, updated_at = now() where id = ? returning ${columns}`, [change.title, JSON.stringify(change.fields), id])
  if (row === undefined) throw notFound('CRM form')
  return toForm(row)
}
