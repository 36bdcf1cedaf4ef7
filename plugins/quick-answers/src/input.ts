// Checking what a client asks to store: every problem as a field error, all of them at once.
import { OpenlineError, errorCodes, isId, type FieldError, type PluginContext } from '@openline/sdk'
import type { AnswerValues } from './answers.ts'

export const limits = { text: 4000, title: 200, category: 100, sortOrder: 1_000_000 } as const

/** The fields of `createQuickAnswer` and `updateQuickAnswer` (absent: default or unchanged). */
export interface AnswerInput {
  openChannelId?: string | null
  title?: string | null
  text?: string
  category?: string | null
  sortOrder?: number
  personal?: boolean
}

/** A blank optional text counts as none. */
function optionalText (value: string | null | undefined): string | null {
  const trimmed = value?.trim() ?? ''
  return trimmed === '' ? null : trimmed
}

/** `input` over `base` (only the keys the client sent), tidied: titles and categories trimmed, blanks as none. */
export function mergeInput (base: AnswerValues, input: AnswerInput): AnswerValues {
  const has = (key: keyof AnswerInput): boolean => Object.hasOwn(input, key)
  return {
    openChannelId: has('openChannelId') ? input.openChannelId ?? null : base.openChannelId,
    title: has('title') ? optionalText(input.title) : base.title,
    text: has('text') ? input.text ?? '' : base.text,
    category: has('category') ? optionalText(input.category) : base.category,
    sortOrder: has('sortOrder') ? input.sortOrder ?? 0 : base.sortOrder,
    personal: has('personal') ? input.personal ?? false : base.personal
  }
}

export const emptyAnswer: AnswerValues = { openChannelId: null, title: null, text: '', category: null, sortOrder: 0, personal: false }

/** Field errors of `values` (paths relative to the input), or none. */
export async function answerErrors (ctx: PluginContext<any>, values: AnswerValues): Promise<FieldError[]> {
  const errors: FieldError[] = []
  if (values.text.trim() === '') errors.push({ path: '/text', message: 'must not be empty' })
  else if (values.text.length > limits.text) errors.push({ path: '/text', message: `must be at most ${limits.text} characters` })
  else {
    const template = ctx.templates.check(values.text, '/text')
    if (template !== null) errors.push(template)
  }
  if (values.title !== null && values.title.length > limits.title) errors.push({ path: '/title', message: `must be at most ${limits.title} characters` })
  if (values.category !== null && values.category.length > limits.category) errors.push({ path: '/category', message: `must be at most ${limits.category} characters` })
  if (!Number.isInteger(values.sortOrder) || Math.abs(values.sortOrder) > limits.sortOrder) errors.push({ path: '/sortOrder', message: `must be an integer from -${limits.sortOrder} to ${limits.sortOrder}` })
  if (values.openChannelId !== null) {
    if (!isId(values.openChannelId)) errors.push({ path: '/openChannelId', message: 'must be an open channel id' })
    else if (await ctx.openChannel(values.openChannelId) === null) errors.push({ path: '/openChannelId', message: 'no such open channel' })
  }
  return errors
}

export async function checkAnswer (ctx: PluginContext<any>, values: AnswerValues): Promise<void> {
  const errors = await answerErrors(ctx, values)
  if (errors.length > 0) {
    throw new OpenlineError(errorCodes.validation, `Invalid quick answer: ${errors.map(e => `${e.path} ${e.message}`).join('; ')}`, { fields: errors })
  }
}

/** An id argument, or OL_VALIDATION at `path`. */
export function checkId (value: unknown, path: string): string {
  if (!isId(value)) throw new OpenlineError(errorCodes.validation, `Invalid id at ${path}`, { fields: [{ path, message: 'must be an id' }] })
  return value
}
