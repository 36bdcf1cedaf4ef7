// The pure side of inline CRM forms: what the inputs hold becomes the answers the CRM checks, and
// its field errors (paths `/<field name>`) go back to the fields they name.
import type { FieldError } from './api.ts'
import type { FormField } from './types.ts'
import type { Strings } from './i18n.ts'

export type FormValues = Record<string, string | boolean>

/** Checkboxes as booleans, everything else as typed (the server trims and converts). */
export function answersOf (fields: FormField[], values: FormValues): Record<string, string | boolean> {
  const answers: Record<string, string | boolean> = {}
  for (const field of fields) {
    const value = values[field.name]
    if (field.type === 'checkbox') answers[field.name] = value === true
    else if (typeof value === 'string' && value !== '') answers[field.name] = value
  }
  return answers
}

/** Field errors by field name; `required` in the visitor's language, other messages as the server words them. */
export function errorsByField (errors: FieldError[], strings: Strings): Record<string, string> {
  const byField: Record<string, string> = {}
  for (const error of errors) {
    const name = error.path.replace(/^\//, '').split('/')[0]
    if (name !== '' && byField[name] === undefined) byField[name] = error.message === 'required' ? strings.required : error.message
  }
  return byField
}
