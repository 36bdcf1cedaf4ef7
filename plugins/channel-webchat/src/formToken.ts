// A CRM form sent in a message (`meta.crm.formToken`, see plugins/crm): the widget reads it with
// the visitor API's `crmForm(token)` and draws the form in place of the link button.

const maxToken = 200
const tokenPattern = /^[A-Za-z0-9._-]+$/

/** The form token of a message's `meta`, or null when there is none (or it is not a plain token). */
export function crmFormTokenOf (meta: Record<string, unknown>): string | null {
  const crm = meta.crm
  if (typeof crm !== 'object' || crm === null) return null
  const token = (crm as Record<string, unknown>).formToken
  return typeof token === 'string' && token.length <= maxToken && tokenPattern.test(token) ? token : null
}
