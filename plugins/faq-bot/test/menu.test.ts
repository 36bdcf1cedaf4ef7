// The pure parts of the bot: normalizing what the client typed, the menu's levels and rendering,
// and what a message chooses.
import t from 'tap'
import { Value } from '@sinclair/typebox/value'
import { choose, containsPhrase, faqBotSettingsSchema, levelAt, normalize, renderMenu, type FaqBotSettings } from '../src/index.ts'

const settings = Value.Default(faqBotSettingsSchema, {
  menu: [
    { title: 'Preços', answer: 'A partir de 10 EUR.' },
    { title: 'Entrega', items: [{ title: 'Łódź', answer: 'Dwa dni.' }, { title: 'Lisboa', items: [{ title: 'Centro', answer: 'Hoje.' }] }] },
    { title: 'Empty' }
  ],
  keywords: [{ phrases: ['horário de funcionamento'], answer: 'Das 9 às 18.' }]
}) as FaqBotSettings

t.test('normalize: case, accents, Polish and German letters, punctuation', async (t) => {
  t.equal(normalize('  PREÇO, já!  '), 'preco ja')
  t.equal(normalize('Łódź'), 'lodz')
  t.equal(normalize('Straße'), 'strasse')
  t.equal(normalize('Доставка?'), 'доставка')
  t.ok(containsPhrase('Qual é o HORARIO de funcionamento?', 'horário de funcionamento'))
  t.notOk(containsPhrase('horarios de funcionamento', 'horário de funcionamento'), 'whole words only')
  t.notOk(containsPhrase('anything', ' ... '), 'a phrase of punctuation matches nothing')
})

t.test('levels: paths of visible items; a stale path is the top', async (t) => {
  t.same(levelAt(settings, '').items.map(i => i.title), ['Preços', 'Entrega'], 'an item that does nothing is hidden')
  t.same(levelAt(settings, '2').items.map(i => i.title), ['Łódź', 'Lisboa'])
  t.same(levelAt(settings, '2.2').items.map(i => i.title), ['Centro'])
  for (const stale of ['1', '3', '2.1', '9.9', 'x', '2.2.1']) t.equal(levelAt(settings, stale).path, '', stale)
})

t.test('rendering: numbered lines with Back in sub-menus, or buttons', async (t) => {
  t.same(renderMenu(settings, levelAt(settings, '2'), false), {
    text: 'Choose a topic or type your question:\n1 — Łódź\n2 — Lisboa\n3 — Back\nSend 0 to talk to a person.',
    buttons: []
  })
  t.same(renderMenu(settings, levelAt(settings, '2.2'), true), {
    text: 'Choose a topic or type your question:\nSend 0 to talk to a person.',
    buttons: [{ id: 'faq:2.2.1', title: 'Centro' }, { id: 'faq:back', title: 'Back' }]
  })
  const noHint = { ...settings, zeroHint: ' ' }
  t.equal(renderMenu(noHint, levelAt(noHint, ''), true).text, 'Choose a topic or type your question:')
  t.same(renderMenu({ ...settings, menu: [] }, { path: '', items: [] }, false), { text: '', buttons: [] })
})

t.test('choosing: buttons, numbers, titles, back, keywords, nothing', async (t) => {
  const top = levelAt(settings, '')
  const sub = levelAt(settings, '2')
  t.match(choose(settings, top, '1', undefined), { kind: 'item', path: '1', item: { title: 'Preços' } })
  t.match(choose(settings, top, 'precos', undefined), { kind: 'item', path: '1' }, 'a title without its accent')
  t.match(choose(settings, sub, 'lodz', undefined), { kind: 'item', path: '2.1' })
  t.same(choose(settings, sub, '3', undefined), { kind: 'back' })
  t.same(choose(settings, sub, 'back', undefined), { kind: 'back' })
  t.same(choose(settings, top, '3', undefined), { kind: 'none' }, 'no Back at the top')
  t.match(choose(settings, top, 'Centro', 'faq:2.2.1'), { kind: 'item', path: '2.2.1', item: { answer: 'Hoje.' } }, 'a button works from any level')
  t.same(choose(settings, top, 'old', 'faq:7'), { kind: 'none' }, 'a button of an item that is gone')
  t.same(choose(settings, sub, '', 'faq:back'), { kind: 'back' })
  t.same(choose(settings, top, 'Qual o horario de funcionamento?', undefined), { kind: 'keyword', answer: 'Das 9 às 18.', handOver: false })
  t.same(choose(settings, top, 'Entrega amanhã?', undefined), { kind: 'none' }, 'a title inside a sentence is no choice')
})
