// A CRM form sent in the conversation, drawn under its message: read with the visitor API's
// `crmForm(token)` (there only with the CRM plugin: otherwise nothing is drawn and the message's
// link button stays), submitted with `submitCrmForm`, field errors shown at their fields.
import { useEffect, useState } from 'preact/hooks'
import type { Api, ApiError } from './api.ts'
import type { Strings } from './i18n.ts'
import { answersOf, errorsByField, type FormValues } from './forms.ts'
import { queries, type CrmForm as Form, type FormField } from './types.ts'

export interface CrmFormProps {
  api: Api
  token: string
  strings: Strings
  /** True once the form is drawn here (the link to its page is then redundant). */
  onShown: (shown: boolean) => void
}

type State = 'loading' | 'hidden' | 'open' | 'sent' | 'already' | 'expired'

const expiredCode = 'OL_CRM_FORM_EXPIRED'

function Input ({ field, id, value, invalid, strings, onChange }: { field: FormField, id: string, value: string | boolean | undefined, invalid: boolean, strings: Strings, onChange: (value: string | boolean) => void }) {
  const common = { id, name: field.name, 'aria-required': field.required, 'aria-invalid': invalid, 'aria-describedby': invalid ? `${id}-error` : undefined }
  const text = typeof value === 'string' ? value : ''
  const maxLength = field.maxLength ?? undefined
  switch (field.type) {
    case 'checkbox':
      return <input {...common} type='checkbox' checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)} />
    case 'textarea':
      return <textarea {...common} rows={3} value={text} maxLength={maxLength} onInput={(e) => onChange(e.currentTarget.value)} />
    case 'select':
      return (
        <select {...common} value={text} onChange={(e) => onChange(e.currentTarget.value)}>
          <option value=''>{strings.choose}</option>
          {(field.options ?? []).map(option => <option key={option} value={option}>{option}</option>)}
        </select>
      )
  }
  const typed = { ...common, value: text, maxLength, onInput: (e: { currentTarget: HTMLInputElement }) => onChange(e.currentTarget.value) }
  switch (field.type) {
    case 'email': return <input {...typed} type='email' />
    case 'phone': return <input {...typed} type='tel' />
    case 'number': return <input {...typed} type='number' step='any' />
    case 'date': return <input {...typed} type='date' />
    default: return <input {...typed} type='text' />
  }
}

export function CrmForm ({ api, token, strings, onShown }: CrmFormProps) {
  const [form, setForm] = useState<Form | null>(null)
  const [state, setState] = useState<State>('loading')
  const [values, setValues] = useState<FormValues>({})
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    let live = true
    api.request<{ crmForm: Form | null }>(queries.crmForm, { token }).then((d) => {
      if (!live) return
      setForm(d.crmForm)
      setState(d.crmForm === null ? 'hidden' : d.crmForm.submitted ? 'sent' : 'open')
    }, (err: Partial<ApiError>) => {
      // Without the CRM plugin the query does not exist: the link button does the job.
      if (live) setState(err.code === expiredCode ? 'expired' : 'hidden')
    })
    return () => { live = false }
  }, [token])
  useEffect(() => onShown(state !== 'loading' && state !== 'hidden'), [state])

  if (state === 'loading' || state === 'hidden') return null
  if (state !== 'open' || form === null) {
    const text = state === 'expired' ? strings.formExpired : state === 'already' ? strings.formAlready : strings.formSent
    return <div class={`crm-form done ${state}`} role='status'>{text}</div>
  }

  const submit = async (): Promise<void> => {
    setBusy(true)
    setError(null)
    try {
      await api.request(queries.submitCrmForm, { token, answers: answersOf(form.fields, values) })
      setErrors({})
      setState('sent')
    } catch (err) {
      const e = err as Partial<ApiError>
      if (e.code === expiredCode) setState('expired')
      else if (e.code === 'OL_CONFLICT') setState('already')
      else {
        const byField = errorsByField(e.fields ?? [], strings)
        setErrors(byField)
        if (Object.keys(byField).length === 0) setError(e.code === 'OL_RATE_LIMITED' ? strings.rateLimited : strings.error)
      }
    } finally {
      setBusy(false)
    }
  }

  return (
    <form class='crm-form' noValidate onSubmit={(e) => { e.preventDefault(); if (!busy) void submit() }}>
      <div class='title'>{form.title}</div>
      {form.fields.map((field) => {
        const id = `crm-${token.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40)}-${field.name}`
        const fieldError = errors[field.name]
        const input = <Input field={field} id={id} value={values[field.name]} invalid={fieldError !== undefined} strings={strings} onChange={(value) => setValues(v => ({ ...v, [field.name]: value }))} />
        const label = <>{field.label}{field.required && <span class='required' title={strings.required}>{' *'}</span>}</>
        return (
          <div key={field.name} class={fieldError === undefined ? 'field' : 'field invalid'} data-field={field.name}>
            {field.type === 'checkbox'
              ? <label class='check' for={id}>{input}<span>{label}</span></label>
              : <><label for={id}>{label}</label>{input}</>}
            {fieldError !== undefined && <div class='field-error' id={`${id}-error`}>{fieldError}</div>}
          </div>
        )
      })}
      {error !== null && <div class='field-error' role='alert'>{error}</div>}
      <button type='submit' class='send' disabled={busy}>{strings.formSubmit}</button>
    </form>
  )
}
