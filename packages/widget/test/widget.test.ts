// The widget's build and its pure helpers: the bundle budget, links that keep hostile text inert,
// the transcript merge that keeps retries single, and the strings per language.
import t from 'tap'
import { buildWidget } from '../src/bundle.ts'
import { linkify, safeUrl } from '../src/linkify.ts'
import { localMessage, merge, newClientMessageId } from '../src/transcript.ts'
import { stringsFor } from '../src/i18n.ts'
import { answersOf, errorsByField } from '../src/forms.ts'
import type { Message } from '../src/types.ts'

t.test('the bundle stays within 50 KB gzipped', async (t) => {
  const { js, gzipBytes } = await buildWidget()
  t.ok(gzipBytes <= 50 * 1024, `${gzipBytes} bytes gzipped`)
  t.ok(gzipBytes > 1000, 'and holds the widget')
  t.notMatch(js, /\beval\(|new Function\(/, 'no code from strings')
  t.equal(await buildWidget().then(b => b.js), js, 'built once, then kept')
})

t.test('links: only http(s) URLs, never javascript:', async (t) => {
  t.same(linkify('see https://example.com/a?b=1, then reply.'), [{ text: 'see ' }, { text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' }, { text: ', then reply.' }])
  t.same(linkify('javascript:alert(1)'), [{ text: 'javascript:alert(1)' }])
  t.same(linkify('<a href="javascript:alert(1)">x</a>'), [{ text: '<a href="javascript:alert(1)">x</a>' }])
  t.same(linkify('(http://a.example/x)'), [{ text: '(' }, { text: 'http://a.example/x', href: 'http://a.example/x' }, { text: ')' }])
  t.same(linkify('<img src=x onerror=alert(1)>'), [{ text: '<img src=x onerror=alert(1)>' }])
  t.same(linkify('https://'), [{ text: 'https://' }])
  t.equal(safeUrl('javascript:alert(1)'), null)
  t.equal(safeUrl('data:text/html,x'), null)
  t.equal(safeUrl('https://cdn.example/a.png'), 'https://cdn.example/a.png')
})

t.test('the transcript merge: confirmed copies replace local ones, ids in order', async (t) => {
  const server = (id: string, clientMessageId: string | null, text: string): Message => ({
    id, fromVisitor: clientMessageId !== null, clientMessageId, text, senderName: null, senderAvatarUrl: null, attachments: [], buttons: [], crmFormToken: null, createdAt: '2026-01-01T00:00:00Z', editedAt: null, deleted: false
  })
  const id = newClientMessageId()
  t.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  let list = merge([], [server('9', null, 'nine'), server('10', null, 'ten')])
  list = [...list, localMessage(id, 'mine')]
  t.same(list.map(m => m.text), ['nine', 'ten', 'mine'])
  list = merge(list, [server('11', null, 'eleven')])
  t.same(list.map(m => [m.id, m.state ?? 'stored']), [['9', 'stored'], ['10', 'stored'], ['11', 'stored'], [`local-${id}`, 'sending']], 'local messages stay last until confirmed')
  list = merge(list, [server('12', id, 'mine')])
  t.same(list.map(m => m.id), ['9', '10', '11', '12'], 'the confirmed copy replaced the local one')
  list = merge(list, [{ ...server('10', null, ''), deleted: true }, server('12', id, 'mine')])
  t.same(list.map(m => [m.id, m.deleted]), [['9', false], ['10', true], ['11', false], ['12', false]], 'changes replace by id; repeats are no-ops')
})

t.test('the widget\'s strings follow the open channel\'s language', async (t) => {
  t.equal(stringsFor('pl').send, 'Wyślij')
  t.equal(stringsFor('pt').send, 'Enviar', 'by primary language')
  t.equal(stringsFor('ES-mx').placeholder, 'Escribe un mensaje…')
  t.equal(stringsFor('ru').typing, 'Печатает…')
  t.equal(stringsFor('de').send, 'Send', 'English otherwise')
  const keys = Object.keys(stringsFor('en')).sort()
  for (const language of ['pt-BR', 'es', 'pl', 'ru']) t.same(Object.keys(stringsFor(language)).sort(), keys, `${language} has every string`)
})

t.test('inline CRM forms: inputs become answers, field errors go back to their fields', async (t) => {
  const fields = [
    { name: 'name', label: 'Name', type: 'text' as const, required: true, options: null, maxLength: 60 },
    { name: 'units', label: 'Units', type: 'number' as const, required: false, options: null, maxLength: null },
    { name: 'terms', label: 'Terms', type: 'checkbox' as const, required: true, options: null, maxLength: null },
    { name: 'news', label: 'News', type: 'checkbox' as const, required: false, options: null, maxLength: null }
  ]
  t.same(answersOf(fields, { name: 'Ana', units: '', terms: true, stray: 'x' }), { name: 'Ana', terms: true, news: false }, 'empty inputs left out, checkboxes always there, unknown names dropped')
  const pl = stringsFor('pl')
  t.same(errorsByField([{ path: '/phone', message: 'required' }, { path: '/units', message: 'not a number' }, { path: '/units', message: 'second' }, { path: '/answers', message: 'x' }], pl),
    { phone: 'Wymagane', units: 'not a number', answers: 'x' }, '"required" in the visitor\'s language, the first error per field')
})
