// Form answers as a client sends them (an HTML form post: strings; the widget: JSON) checked
// against the fields: type, required, options, length, pattern. Every problem is a field error;
// nothing is stored unless all answers pass.
import type { FieldError } from '@openline/sdk'
import { invalid } from '../db.ts'
import { cleanName, normalizeEmail, normalizePhone } from '../normalize.ts'
import { maxLengthOf, patternOf, type FormField } from './definitions.ts'

export type AnswerValue = string | number | boolean

export interface CheckedAnswers {
  /** By field name; unanswered optional fields are absent (checkboxes are always there). */
  values: Record<string, AnswerValue>
  /** What the answers say about the person (I1/I3): a field named `name`, the first e-mail and phone fields. */
  contact: { name: string | null, phone: string | null, email: string | null }
}

const isoDate = /^(\d{4})-(\d{2})-(\d{2})$/

function validDate (value: string): boolean {
  const m = isoDate.exec(value)
  if (m === null) return false
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3])
}

/** One answer, or the message of its field error. */
function checkOne (field: FormField, raw: unknown): { value?: AnswerValue, error?: string } {
  if (field.type === 'checkbox') {
    const checked = raw === true || raw === 'on' || raw === 'true' || raw === '1'
    if (raw !== undefined && raw !== null && raw !== false && raw !== '' && raw !== 'false' && !checked) return { error: 'must be checked or not' }
    if (field.required === true && !checked) return { error: 'required' }
    return { value: checked }
  }
  if (field.type === 'number' && typeof raw === 'number') raw = String(raw)
  if (raw !== undefined && raw !== null && typeof raw !== 'string') return { error: 'must be text' }
  const text = (raw ?? '').replace(/\r\n?/g, '\n')
  const trimmed = field.type === 'textarea' ? text.trim() === '' ? '' : text : text.trim()
  if (trimmed === '') return field.required === true ? { error: 'required' } : {}
  const max = maxLengthOf(field)
  if (trimmed.length > max) return { error: `at most ${max} characters` }
  const pattern = patternOf(field)
  if (pattern !== null && !pattern.test(trimmed)) return { error: 'does not have the expected format' }
  switch (field.type) {
    case 'email': {
      const email = normalizeEmail(trimmed)
      return email === null ? { error: 'not an e-mail address' } : { value: email }
    }
    case 'phone': {
      const phone = normalizePhone(trimmed)
      return phone === null ? { error: 'not a phone number' } : { value: phone }
    }
    case 'number': {
      const n = /^-?\d{1,15}([.,]\d{1,6})?$/.test(trimmed) ? Number(trimmed.replace(',', '.')) : Number.NaN
      return Number.isFinite(n) ? { value: n } : { error: 'not a number' }
    }
    case 'date':
      return validDate(trimmed) ? { value: trimmed } : { error: 'not a date (yyyy-mm-dd)' }
    case 'select':
      return (field.options ?? []).includes(trimmed) ? { value: trimmed } : { error: 'not one of the options' }
    default:
      return { value: trimmed }
  }
}

/** All answers checked, or OL_VALIDATION with one error per bad field at `/<field name>`. */
export function checkAnswers (fields: FormField[], input: Record<string, unknown>): CheckedAnswers {
  const errors: FieldError[] = []
  const byName = new Map(fields.map(f => [f.name, f]))
  for (const key of Object.keys(input).slice(0, 100)) {
    if (!byName.has(key)) errors.push({ path: `/${key.slice(0, 60)}`, message: 'not a field of this form' })
  }
  const values: Record<string, AnswerValue> = {}
  for (const field of fields) {
    const checked = checkOne(field, Object.hasOwn(input, field.name) ? input[field.name] : undefined)
    if (checked.error !== undefined) errors.push({ path: `/${field.name}`, message: checked.error })
    else if (checked.value !== undefined) values[field.name] = checked.value
  }
  if (errors.length > 0) throw invalid(errors, 'answers')
  const first = (type: FormField['type']): string | null => {
    const field = fields.find(f => f.type === type && typeof values[f.name] === 'string')
    return field === undefined ? null : values[field.name] as string
  }
  const nameField = fields.find(f => f.name === 'name' && typeof values[f.name] === 'string')
  return { values, contact: { name: nameField === undefined ? null : cleanName(values[nameField.name]), phone: first('phone'), email: first('email') } }
}

/** The answers as lines for staff: "Label: value". */
export function answersText (fields: FormField[], values: Record<string, AnswerValue>): string {
  return fields.filter(f => Object.hasOwn(values, f.name)).map(f => {
    const v = values[f.name]
    return `${f.label}: ${typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v)}`
  }).join('\n')
}
