// A minimal iCalendar (RFC 5545) writer for one event: escaped TEXT values, UTC times, lines
// folded at 75 octets without splitting a UTF-8 character, CRLF line ends.

export interface IcsPerson { name: string, email: string }

export interface IcsEvent {
  uid: string
  /** When the iCalendar object was created (DTSTAMP). */
  stamp: Date
  start: Date
  end: Date
  summary: string
  description: string
  url?: string
  organizer?: IcsPerson
  attendees?: IcsPerson[]
}

export const productId = '-//Openline//Tasks 0.1.0//EN'

/** `20260102T030405Z`: a DATE-TIME in UTC (seconds precision). */
export function icsDateTime (date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')
}

/** A TEXT value (3.3.11): backslash, semicolon, comma and line breaks escaped; other control characters dropped. */
export function escapeText (value: string): string {
  return value
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .replace(/[\\;,]/g, c => `\\${c}`)
    .replace(/\n/g, '\\n')
}

/** A quoted parameter value (3.2): it may hold neither DQUOTE nor control characters. */
function paramValue (value: string): string {
  return `"${value.replace(/[\u0000-\u001f\u007f"]/g, '')}"`
}

/** A mailto URI for a person, with nothing that could end the line or the value. */
function mailto (email: string): string {
  return `mailto:${email.replace(/[\u0000-\u0020\u007f]/g, '')}`
}

/** Fold a content line (3.1): at most 75 octets a line, continuation lines start with one space. */
export function foldLine (line: string): string {
  const bytes = Buffer.from(line, 'utf8')
  if (bytes.length <= 75) return line
  const parts: string[] = []
  let start = 0
  let room = 75
  while (start < bytes.length) {
    let end = Math.min(start + room, bytes.length)
    // Step back over UTF-8 continuation bytes (10xxxxxx): a character stays on one line.
    while (end < bytes.length && (bytes[end] & 0xc0) === 0x80) end--
    parts.push(bytes.subarray(start, end).toString('utf8'))
    start = end
    room = 74
  }
  return parts.join('\r\n ')
}

/** A VCALENDAR with one VEVENT, ready to serve as `text/calendar`. */
export function buildIcs (event: IcsEvent): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    `PRODID:${productId}`,
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:${escapeText(event.uid)}`,
    `DTSTAMP:${icsDateTime(event.stamp)}`,
    `DTSTART:${icsDateTime(event.start)}`,
    `DTEND:${icsDateTime(event.end)}`,
    `SUMMARY:${escapeText(event.summary)}`,
    `DESCRIPTION:${escapeText(event.description)}`
  ]
  if (event.url !== undefined) lines.push(`URL:${event.url.replace(/[\u0000-\u0020\u007f]/g, '')}`)
  if (event.organizer !== undefined) lines.push(`ORGANIZER;CN=${paramValue(event.organizer.name)}:${mailto(event.organizer.email)}`)
  for (const a of event.attendees ?? []) lines.push(`ATTENDEE;CN=${paramValue(a.name)};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION:${mailto(a.email)}`)
  lines.push('END:VEVENT', 'END:VCALENDAR')
  return lines.map(foldLine).join('\r\n') + '\r\n'
}
