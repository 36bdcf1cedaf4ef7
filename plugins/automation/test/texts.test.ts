// Pure checks of the shipped texts and the automatic-actions settings helpers.
import t from 'tap'
import {
  automaticActionsDefaults, holdUntil, normalizeAutomaticActions, pickLanguage, shippedText, textKeys, textLanguages, validateAutomaticActions,
  type AutomaticActionsSettings
} from '../src/index.ts'

const variablesOf = (template: string): string[] => [...new Set([...template.matchAll(/\{\{[#/]?(?:if |unless )?([a-zA-Z]+)\}\}/g)].map(m => m[1]).filter(v => v !== 'if' && v !== 'unless'))].sort()

t.test('every language ships every text, with the same variables as English', async (t) => {
  for (const key of textKeys) {
    const english = variablesOf(shippedText(key, 'en'))
    for (const language of textLanguages) {
      const text = shippedText(key, language)
      t.ok(text.trim().length > 20, `${language} ${key}`)
      t.same(variablesOf(text), english, `${language} ${key} uses ${english.join(', ')}`)
      t.notMatch(text, /\{\{(?![#/]?(?:if |unless )?[a-zA-Z]+\}\})/, `${language} ${key}: only simple variables and if blocks`)
    }
  }
  t.match(shippedText('waiting', 'ru'), /\{\{queuePosition\}\}/)
  t.match(shippedText('consentNotice', 'pl'), /\{\{textVersion\}\}/)
  t.match(shippedText('outOfHours', 'es'), /\{\{workingHours\}\}/)
})

t.test('the channel language picks the texts', async (t) => {
  t.equal(pickLanguage('pt-BR'), 'pt-BR')
  t.equal(pickLanguage('pt'), 'pt-BR', 'by primary subtag')
  t.equal(pickLanguage('PT_pt'), 'pt-BR')
  t.equal(pickLanguage('ru'), 'ru')
  t.equal(pickLanguage('es-MX'), 'es')
  t.equal(pickLanguage('de'), 'en', 'unknown: English')
  t.equal(pickLanguage(null), 'en')
})

t.test('stored settings are filled with defaults; the hold scales with the minute', async (t) => {
  t.same(normalizeAutomaticActions(undefined), automaticActionsDefaults)
  t.same(normalizeAutomaticActions({ greeting: { enabled: true, text: 'Hi' }, autoClose: { enabled: true } }), {
    ...automaticActionsDefaults,
    greeting: { enabled: true, when: 'firstContact', text: 'Hi' },
    autoClose: { enabled: true, afterMin: 1440, message: { enabled: false } }
  })
  const settings = (hold: number): AutomaticActionsSettings => normalizeAutomaticActions({ holdAfterCloseSec: hold })
  t.equal(holdUntil(settings(0), 1000, 60_000), null, '0: close at once')
  t.equal(holdUntil(settings(60), 1000, 60_000)?.getTime(), 61_000)
  t.equal(holdUntil(settings(86_400), 0, 60_000)?.getTime(), 86_400_000)
  t.equal(holdUntil(settings(300), 0, 200)?.getTime(), 1000, 'a 200 ms minute: 300 s take 1 s')
})

t.test('validation beyond the schema', async (t) => {
  const base = normalizeAutomaticActions({})
  t.same(validateAutomaticActions({ ...base, holdAfterCloseSec: 59 }).map(e => e.path), ['/holdAfterCloseSec'])
  t.same(validateAutomaticActions({ ...base, holdAfterCloseSec: 60 }), [])
  t.same(validateAutomaticActions({ ...base, greeting: { enabled: true, when: 'firstContact', text: ' ' }, noAgents: { enabled: true, busyText: '' } }).map(e => e.path), ['/greeting/text', '/noAgents/busyText'])
})
