// Input checks of the GraphQL API: every problem is a field error, all of one input reported at once.
import { OpenlineError, errorCodes, isId, type FieldError, type PluginContext } from '@openline/sdk'
import { isNonPublicLiteral } from './address.ts'
import { webhookEvents } from './catalog.ts'
import { trustedOrigins, type WebhookOptions } from './options.ts'
import type { EndpointFields } from './endpoints.ts'

export const limits = {
  url: 2048,
  description: 500,
  /** Open channels in one endpoint's filter. */
  openChannels: 100,
  /** Endpoints per installation: each one is a request per event. */
  endpoints: 100,
  page: 100
} as const

export function invalid (fields: FieldError[]): OpenlineError {
  return new OpenlineError(errorCodes.validation, `Invalid input: ${fields.map(f => `${f.path} ${f.message}`).join('; ')}`, { fields })
}

export function notFound (what: string): OpenlineError {
  return new OpenlineError(errorCodes.notFound, `${what} not found`, { statusCode: 404 })
}

export function checkId (value: unknown, path: string): string {
  if (!isId(value)) throw invalid([{ path, message: 'must be an id' }])
  return value
}

export function pageSize (value: unknown, path = '/first'): number {
  if (value === undefined || value === null) return 30
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > limits.page) throw invalid([{ path, message: `must be 1 to ${limits.page}` }])
  return value
}

/** An endpoint URL as stored (normalised by `URL`), or a problem at `path`. */
export function checkUrl (value: unknown, options: Pick<WebhookOptions, 'allowHttp' | 'trustedOrigins'>, path = '/url'): string | FieldError {
  const text = typeof value === 'string' ? value.trim() : ''
  if (text === '') return { path, message: 'must not be empty' }
  if (text.length > limits.url) return { path, message: `at most ${limits.url} characters` }
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return { path, message: 'must be an absolute URL' }
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && options.allowHttp)) {
    return { path, message: options.allowHttp ? 'must use http or https' : 'must use https' }
  }
  if (url.username !== '' || url.password !== '') return { path, message: 'must not contain a user name or password' }
  if (url.hash !== '') return { path, message: 'must not contain a fragment (#…)' }
  // Only literals are judged here; names are resolved, and checked, at every delivery.
  if (isNonPublicLiteral(url.hostname) && !trustedOrigins(options).includes(url.origin)) {
    return { path, message: 'points to a private, loopback or reserved address' }
  }
  return url.href
}

/** Known event names, each once, in the order given. */
export function checkEvents (value: unknown, problems: FieldError[], path = '/events'): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push({ path, message: 'choose at least one event' })
    return []
  }
  const events: string[] = []
  value.forEach((name, i) => {
    if (typeof name !== 'string' || !webhookEvents.includes(name)) {
      problems.push({ path: `${path}/${i}`, message: `unknown event; one of ${webhookEvents.join(', ')}` })
    } else if (!events.includes(name)) {
      events.push(name)
    }
  })
  return events
}

/** Existing open channels, each once; an empty list means every open channel. */
export async function checkOpenChannels (ctx: Pick<PluginContext<any>, 'openChannel'>, value: unknown, problems: FieldError[], path = '/openChannelIds'): Promise<string[]> {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value) || value.length > limits.openChannels) {
    problems.push({ path, message: `at most ${limits.openChannels} open channels` })
    return []
  }
  const ids: string[] = []
  for (const [i, id] of value.entries()) {
    if (!isId(id)) problems.push({ path: `${path}/${i}`, message: 'must be an id' })
    else if (await ctx.openChannel(id) === null) problems.push({ path: `${path}/${i}`, message: 'unknown open channel' })
    else if (!ids.includes(id)) ids.push(id)
  }
  return ids
}

export function checkDescription (value: unknown, problems: FieldError[], path = '/description'): string | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'string') {
    problems.push({ path, message: 'must be text' })
    return null
  }
  const text = value.trim()
  if (text.length > limits.description) problems.push({ path, message: `at most ${limits.description} characters` })
  return text === '' ? null : text
}

const given = (input: Record<string, unknown>, key: string): boolean => input[key] !== undefined && input[key] !== null

/**
 * The endpoint `input` describes: everything for a new one (`current` null); for an update, the
 * fields given replace the current ones (a null `description` clears it, `openChannelIds: []`
 * removes the filter, other nulls change nothing).
 */
export async function endpointFields (ctx: Pick<PluginContext<any>, 'openChannel'>, options: WebhookOptions, input: Record<string, unknown>, current: EndpointFields | null): Promise<EndpointFields> {
  const problems: FieldError[] = []
  let url = current?.url ?? ''
  if (current === null || given(input, 'url')) {
    const checked = checkUrl(input.url, options)
    if (typeof checked === 'string') url = checked
    else problems.push(checked)
  }
  const events = current === null || given(input, 'events') ? checkEvents(input.events, problems) : current.events
  const openChannelIds = current === null || given(input, 'openChannelIds') ? await checkOpenChannels(ctx, input.openChannelIds, problems) : current.openChannelIds
  const description = current === null || input.description !== undefined ? checkDescription(input.description, problems) : current.description
  let active = current?.active ?? true
  if (given(input, 'active')) {
    if (typeof input.active === 'boolean') active = input.active
    else problems.push({ path: '/active', message: 'must be true or false' })
  }
  if (problems.length > 0) throw invalid(problems)
  return { url, events, openChannelIds, description, active }
}
