// A strict reader of what the tests expect an .ics to be: CRLF lines of at most 75 octets,
// unfolded, split into name, parameters and value, TEXT values unescaped.

export interface IcsProperty { name: string, params: Record<string, string>, value: string }

/** Throws when a line is longer than 75 octets or a line end is not CRLF. */
export function unfold (ics: string): string[] {
  if (!ics.endsWith('\r\n')) throw new Error('the file must end with CRLF')
  const physical = ics.slice(0, -2).split('\r\n')
  for (const line of physical) {
    if (/[\r\n]/.test(line)) throw new Error(`bare CR or LF in ${JSON.stringify(line)}`)
    if (Buffer.byteLength(line, 'utf8') > 75) throw new Error(`line longer than 75 octets: ${JSON.stringify(line)}`)
  }
  const logical: string[] = []
  for (const line of physical) {
    if (line.startsWith(' ') || line.startsWith('\t')) logical[logical.length - 1] += line.slice(1)
    else logical.push(line)
  }
  return logical
}

/** Name, parameters (quoted values unquoted) and raw value of a content line. */
export function parseLine (line: string): IcsProperty {
  const match = /^([A-Z-]+)((?:;[A-Z-]+=(?:"[^"]*"|[^;:,"]*))*):(.*)$/.exec(line)
  if (match === null) throw new Error(`not a content line: ${JSON.stringify(line)}`)
  const params: Record<string, string> = {}
  for (const p of match[2].matchAll(/;([A-Z-]+)=("[^"]*"|[^;:,"]*)/g)) params[p[1]] = p[2].replace(/^"|"$/g, '')
  return { name: match[1], params, value: match[3] }
}

/** A TEXT value as written: `\\n`, `\\,`, `\\;`, `\\\\` decoded; a bare `,` or `;` is an error. */
export function unescapeText (value: string): string {
  if (/(^|[^\\])(\\\\)*[,;]/.test(value)) throw new Error(`unescaped , or ; in ${JSON.stringify(value)}`)
  return value.replace(/\\([\\;,nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c))
}

/** Every property of the file in order. */
export function parseIcs (ics: string): IcsProperty[] {
  return unfold(ics).map(parseLine)
}
