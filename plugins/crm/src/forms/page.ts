// The form as a plain HTML page for clients who open the link (messengers, the widget): no script,
// every text escaped, styles from a file so the CSP can forbid anything inline.
import type { FieldError } from '@openline/sdk'
import { maxLengthOf, type FormField } from './definitions.ts'

export function escapeHtml (value: unknown): string {
  return String(value).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string)
}

export const pageHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  // The link is the key to the form: never pass it on, never keep the page.
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store'
}

export const stylesheet = `
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f5f6f8; color: #1d2330; }
main { max-width: 34rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem; border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.1); }
h1 { font-size: 1.4rem; margin-top: 0; }
label { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
label.check { font-weight: normal; display: flex; gap: .5rem; align-items: center; }
input:not([type=checkbox]), select, textarea { width: 100%; box-sizing: border-box; padding: .5rem; border: 1px solid #b8bfcc; border-radius: 4px; font: inherit; }
textarea { min-height: 6rem; }
[aria-invalid=true] { border-color: #c62828; }
.error { color: #c62828; margin: .25rem 0 0; font-size: .9rem; }
.summary { background: #fdecea; color: #8e1b1b; padding: .75rem 1rem; border-radius: 4px; }
button { margin-top: 1.5rem; padding: .6rem 1.5rem; border: 0; border-radius: 4px; background: #2f6fed; color: #fff; font: inherit; cursor: pointer; }
`

function layout (title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><link rel="stylesheet" href="../forms.css"></head>
<body><main>${body}</main></body></html>`
}

const inputTypes: Record<string, string> = { text: 'text', email: 'email', phone: 'tel', number: 'number', date: 'date' }

function fieldHtml (field: FormField, value: unknown, error: string | undefined): string {
  const id = `f-${field.name}`
  const described = error === undefined ? '' : ` aria-invalid="true" aria-describedby="${id}-error"`
  const required = field.required === true ? ' required' : ''
  const errorHtml = error === undefined ? '' : `<p class="error" id="${id}-error">${escapeHtml(error)}</p>`
  const label = `${escapeHtml(field.label)}${field.required === true ? ' *' : ''}`
  const text = typeof value === 'string' || typeof value === 'number' ? String(value) : ''
  switch (field.type) {
    case 'checkbox':
      return `<label class="check"><input type="checkbox" id="${id}" name="${escapeHtml(field.name)}" value="on"${value === true || value === 'on' ? ' checked' : ''}${required}${described}> ${label}</label>${errorHtml}`
    case 'select':
      return `<label for="${id}">${label}</label><select id="${id}" name="${escapeHtml(field.name)}"${required}${described}><option value="">—</option>${
        (field.options ?? []).map(o => `<option value="${escapeHtml(o)}"${o === text ? ' selected' : ''}>${escapeHtml(o)}</option>`).join('')}</select>${errorHtml}`
    case 'textarea':
      return `<label for="${id}">${label}</label><textarea id="${id}" name="${escapeHtml(field.name)}" maxlength="${maxLengthOf(field)}"${required}${described}>${escapeHtml(text)}</textarea>${errorHtml}`
    default: {
      const extra = field.type === 'number' ? ' step="any"' : field.type === 'date' ? '' : ` maxlength="${maxLengthOf(field)}"`
      const pattern = field.pattern === undefined ? '' : ` pattern="${escapeHtml(field.pattern)}"`
      return `<label for="${id}">${label}</label><input type="${inputTypes[field.type] ?? 'text'}" id="${id}" name="${escapeHtml(field.name)}" value="${escapeHtml(text)}"${extra}${pattern}${required}${described}>${errorHtml}`
    }
  }
}

/** The form, filled with what was sent and each field's error when a post was refused. */
export function formPage (form: { title: string, fields: FormField[] }, values: Record<string, unknown> = {}, errors: FieldError[] = []): string {
  const byField = new Map(errors.map(e => [e.path.slice(1), e.message]))
  const known = new Set(form.fields.map(f => f.name))
  const other = errors.filter(e => !known.has(e.path.slice(1)))
  const summary = errors.length === 0
    ? ''
    : `<p class="summary" role="alert">Please correct the marked fields.${other.map(e => ` ${escapeHtml(e.path.slice(1))}: ${escapeHtml(e.message)}.`).join('')}</p>`
  return layout(form.title, `<h1>${escapeHtml(form.title)}</h1>${summary}<form method="post">${
    form.fields.map(f => fieldHtml(f, values[f.name], byField.get(f.name))).join('\n')}<button type="submit">Send</button></form>`)
}

export function messagePage (title: string, text: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>`)
}
