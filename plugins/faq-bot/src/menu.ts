// The menu as the client sees it and what a message chooses in it (pure). A position in the menu
// is a path of 1-based numbers of visible items ("" = the top, "2.1" = the first item under the
// second); the client answers with a number, an item's title, or a button whose data is
// `faq:<path>` (`faq:back` leaves a sub-menu).
import type { FaqBotSettings, MenuItem } from './settings.ts'
import { containsPhrase, normalize } from './text.ts'

export const callbackPrefix = 'faq:'
export const backData = `${callbackPrefix}back`

/** Items that do something; an item with no answer, no sub-menu and no hand-over is not shown. */
export function visible (items: readonly MenuItem[] | undefined): MenuItem[] {
  return (items ?? []).filter(i => i.answer !== undefined || i.handOver || (i.items !== undefined && i.items.length > 0))
}

export interface MenuLevel {
  path: string
  items: MenuItem[]
}

/** The menu at `path`; a path the settings no longer have (they changed) is the top. */
export function levelAt (settings: FaqBotSettings, path: string): MenuLevel {
  const top: MenuLevel = { path: '', items: visible(settings.menu as MenuItem[]) }
  if (path === '') return top
  let level = top
  for (const part of path.split('.')) {
    const item = level.items[Number(part) - 1]
    if (!/^[1-9][0-9]?$/.test(part) || item === undefined || visible(item.items).length === 0) return top
    level = { path: level.path === '' ? part : `${level.path}.${part}`, items: visible(item.items) }
  }
  return level
}

export function parentPath (path: string): string {
  return path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : ''
}

const childPath = (level: MenuLevel, index: number): string => level.path === '' ? String(index + 1) : `${level.path}.${index + 1}`

export interface RenderedMenu {
  /** Where the channel shows buttons: the prompt (and the 0 hint); elsewhere the numbered list too. */
  text: string
  buttons: { id: string, title: string }[]
}

/** The menu at `level`: buttons, or lines "1 — Prices" (with "n — Back" in a sub-menu). Empty menu: nothing. */
export function renderMenu (settings: FaqBotSettings, level: MenuLevel, withButtons: boolean): RenderedMenu {
  if (level.items.length === 0) return { text: '', buttons: [] }
  const entries = level.items.map((item, i) => ({ id: `${callbackPrefix}${childPath(level, i)}`, title: item.title }))
  if (level.path !== '') entries.push({ id: backData, title: settings.backTitle })
  const hint = settings.zeroHint.trim() === '' ? [] : [settings.zeroHint]
  if (withButtons) return { text: [settings.menuPrompt, ...hint].join('\n'), buttons: entries }
  const lines = entries.map((e, i) => `${i + 1} — ${e.title}`)
  return { text: [settings.menuPrompt, ...lines, ...hint].join('\n'), buttons: [] }
}

export type Choice =
  | { kind: 'item', item: MenuItem, path: string }
  | { kind: 'back' }
  | { kind: 'keyword', answer: string, handOver: boolean }
  | { kind: 'none' }

/**
 * What a message chooses at `level`: a pressed button, a number, an item's title (exact, ignoring
 * case and accents), else the first keyword rule with a phrase in the message.
 */
export function choose (settings: FaqBotSettings, level: MenuLevel, body: string, callbackData: unknown): Choice {
  if (typeof callbackData === 'string' && callbackData.startsWith(callbackPrefix)) {
    if (callbackData === backData) return { kind: 'back' }
    const path = callbackData.slice(callbackPrefix.length)
    const parent = levelAt(settings, parentPath(path))
    const index = Number(path.slice(path.lastIndexOf('.') + 1)) - 1
    // A button of an older menu still works if its item exists.
    if (parent.path === parentPath(path) && parent.items[index] !== undefined) return { kind: 'item', item: parent.items[index], path }
  }
  const text = body.trim()
  const hasBack = level.path !== ''
  if (/^[0-9]{1,2}$/.test(text)) {
    const n = Number(text)
    if (n >= 1 && n <= level.items.length) return { kind: 'item', item: level.items[n - 1], path: childPath(level, n - 1) }
    if (hasBack && n === level.items.length + 1) return { kind: 'back' }
  }
  const said = normalize(text)
  const index = level.items.findIndex(i => normalize(i.title) === said)
  if (said !== '' && index >= 0) return { kind: 'item', item: level.items[index], path: childPath(level, index) }
  if (said !== '' && hasBack && normalize(settings.backTitle) === said) return { kind: 'back' }
  const rule = settings.keywords.find(r => r.phrases.some(p => containsPhrase(text, p)))
  if (rule !== undefined) return { kind: 'keyword', answer: rule.answer, handOver: rule.handOver }
  return { kind: 'none' }
}
