// The console's text rules, without a browser: mention markup and links, slash commands, and the
// word at the caret that autocomplete completes.
import t from 'tap'
import { parseBody, plainText, userMention, conversationMention } from '../../../packages/console/src/markup.ts'
import { parseCommand } from '../../../packages/console/src/commands.ts'
import { mentionAt, insertMention } from '../../../packages/console/src/mentions.ts'

t.test('mentions and links become segments; everything else stays text', async (t) => {
  t.same(parseBody('ask @[Ana Lima](user:12) about #[Order question](conversation:34) see https://example.com/a?b=1.'), [
    { kind: 'text', text: 'ask ' },
    { kind: 'user', text: '@Ana Lima', id: '12' },
    { kind: 'text', text: ' about ' },
    { kind: 'conversation', text: '#Order question', id: '34' },
    { kind: 'text', text: ' see ' },
    { kind: 'link', text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
    { kind: 'text', text: '.' }
  ])
  for (const text of ['javascript:alert(1)', '[x](javascript:alert(1))', 'data:text/html,<script>alert(1)</script>', '<a href="http://x">', 'ftp://files.example.com', '@[Bad](user:abc)', '@[](user:1)']) {
    t.ok(parseBody(text).every(s => s.kind === 'text' || (s.kind === 'link' && /^https?:\/\//.test(s.href))), `no unsafe link from ${text}`)
    t.equal(parseBody(text).map(s => s.text).join(''), text, `text kept: ${text}`)
  }
  t.same(parseBody('(see https://example.com/x)'), [{ kind: 'text', text: '(see ' }, { kind: 'link', text: 'https://example.com/x', href: 'https://example.com/x' }, { kind: 'text', text: ')' }], 'closing punctuation is not part of the URL')
  t.same(parseBody('hi @[Ana](user:1)', { mentions: false }), [{ kind: 'text', text: 'hi @[Ana](user:1)' }], 'client text: markup is just text')
  t.equal(plainText('ask @[Ana Lima](user:12) now'), 'ask @Ana Lima now')
})

t.test('mention markup cannot be broken out of by a name', async (t) => {
  const markup = userMention({ id: '7', name: 'Eve](user:1) [x' })
  t.same(parseBody(markup).filter(s => s.kind === 'user'), [{ kind: 'user', text: '@Eve (user:1) [x', id: '7' }])
  t.equal(conversationMention({ id: '9', name: 'Line\nbreak' }), '#[Line break](conversation:9)')
})

t.test('slash commands', async (t) => {
  t.same(parseCommand('/id'), { name: 'id' })
  t.same(parseCommand('  /rename  New title  '), { name: 'rename', title: 'New title' })
  t.same(parseCommand('/rename'), { name: 'rename', title: '' })
  t.same(parseCommand('/quote'), { name: 'quote', rest: '' })
  t.same(parseCommand('/quote thanks,\nsee above'), { name: 'quote', rest: 'thanks,\nsee above' })
  t.equal(parseCommand('/usr/bin is a path'), null, 'other words are text')
  t.equal(parseCommand('/id 5'), null, '/id takes nothing')
  t.equal(parseCommand('hello /id'), null, 'only at the start')
})

t.test('the word at the caret', async (t) => {
  t.same(mentionAt('ask @An', 7), { trigger: '@', search: 'An', start: 4, end: 7 })
  t.same(mentionAt('#', 1), { trigger: '#', search: '', start: 0, end: 1 })
  t.equal(mentionAt('mail me at a@b.c', 16), null, 'an e-mail address is not a mention')
  t.equal(mentionAt('ask @Ana now', 12), null, 'the caret moved past it')
  const q = mentionAt('ask @An please', 7)
  t.ok(q !== null)
  if (q !== null) t.same(insertMention('ask @An please', q, '@[Ana](user:1)'), { text: 'ask @[Ana](user:1)  please', caret: 19 })
})
