// The iCalendar writer alone: escaping, folding, UTC times, CRLF (RFC 5545 3.1, 3.3.5, 3.3.11).
import t from 'tap'
import { buildIcs, escapeText, foldLine, icsDateTime } from '../src/index.ts'
import { parseIcs, unescapeText, unfold } from './icsParse.ts'

t.test('TEXT escaping: backslash, semicolon, comma, line breaks; control characters dropped', async (t) => {
  t.equal(escapeText('a\\b;c,d\ne\r\nf\rg'), 'a\\\\b\\;c\\,d\\ne\\nf\\ng')
  t.equal(escapeText('tab\tstays, bell\u0007 goes'), 'tab\tstays\\, bell goes')
  for (const text of ['C:\\path\\n;x', 'one, two; three\\', 'line 1\nline 2\n\n', 'ção; naïve, 日本語']) {
    t.equal(unescapeText(escapeText(text)), text, `round trip of ${JSON.stringify(text)}`)
  }
})

t.test('UTC DATE-TIME', async (t) => {
  t.equal(icsDateTime(new Date('2026-03-09T07:05:03.999Z')), '20260309T070503Z')
  t.equal(icsDateTime(new Date('2026-12-31T23:30:00-03:00')), '20270101T023000Z', 'any offset is written in UTC')
})

t.test('folding at 75 octets, never inside a UTF-8 character', async (t) => {
  t.equal(foldLine('x'.repeat(75)), 'x'.repeat(75), '75 octets stay on one line')
  const folded = foldLine('y'.repeat(200))
  const lines = folded.split('\r\n')
  t.same(lines.map(l => Buffer.byteLength(l)), [75, 75, 52], '75, then a space and 74, then a space and the last 51')
  t.ok(lines.slice(1).every(l => l.startsWith(' ')), 'continuations start with one space')
  const multibyte = `SUMMARY:${'ł€😀'.repeat(30)}`
  const parts = foldLine(multibyte).split('\r\n')
  t.ok(parts.every(p => Buffer.byteLength(p) <= 75), 'every line at most 75 octets')
  t.ok(parts.every(p => !p.includes('\ufffd')), 'no character cut in two')
  t.equal(parts.map((p, i) => (i === 0 ? p : p.slice(1))).join(''), multibyte, 'unfolding restores the line')
})

t.test('a whole calendar parses back to what went in', async (t) => {
  const description = 'Cliente: "Ana"; pedido 123, urgente\\ligar\nSegunda linha com acentuação e bastante texto para passar de setenta e cinco octetos\n\nhttps://help.example/c/1'
  const ics = buildIcs({
    uid: 'abc-123@help.example',
    stamp: new Date('2026-01-02T03:04:05Z'),
    start: new Date('2026-01-05T12:00:00+02:00'),
    end: new Date('2026-01-05T13:30:00+02:00'),
    summary: 'Ligar, confirmar; entregar',
    description,
    url: 'https://help.example/c/1',
    organizer: { name: 'Ana "Boss" Lima', email: 'ana@help.example' },
    attendees: [{ name: 'Bruno, Jr.', email: 'bruno@help.example' }]
  })
  t.notOk(/[^\r]\n/.test(ics), 'every line ends with CRLF')
  t.ok(unfold(ics).length < ics.split('\r\n').length, 'long lines were folded')
  const props = parseIcs(ics)
  t.same(props.map(p => p.name), ['BEGIN', 'VERSION', 'PRODID', 'CALSCALE', 'METHOD', 'BEGIN', 'UID', 'DTSTAMP', 'DTSTART', 'DTEND', 'SUMMARY', 'DESCRIPTION', 'URL', 'ORGANIZER', 'ATTENDEE', 'END', 'END'])
  const get = (name: string) => props.find(p => p.name === name)!
  t.equal(get('VERSION').value, '2.0')
  t.equal(get('DTSTART').value, '20260105T100000Z')
  t.equal(get('DTEND').value, '20260105T113000Z')
  t.equal(get('DTSTAMP').value, '20260102T030405Z')
  t.equal(unescapeText(get('SUMMARY').value), 'Ligar, confirmar; entregar')
  t.equal(unescapeText(get('DESCRIPTION').value), description)
  t.equal(get('ORGANIZER').params.CN, 'Ana Boss Lima', 'a double quote cannot stand in a parameter')
  t.equal(get('ORGANIZER').value, 'mailto:ana@help.example')
  t.equal(get('ATTENDEE').params.CN, 'Bruno, Jr.', 'quoted: the comma is safe')
  t.equal(get('ATTENDEE').value, 'mailto:bruno@help.example')
})
