// Case- and accent-insensitive search without a database extension: answers keep a folded copy
// of their title and text, queries are folded the same way, and `like` compares the two.

// Letters Unicode does not decompose into a base letter and a mark.
const letterFolds: Record<string, string> = { ł: 'l', ø: 'o', đ: 'd', ß: 'ss', æ: 'ae', œ: 'oe', ı: 'i', þ: 'th' }

/** Lower case without accents: "Łódź São" → "lodz sao". */
export function fold (text: string): string {
  return text.toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '').replace(/[łøđßæœıþ]/g, c => letterFolds[c] ?? c)
}

/** What an answer is found by. */
export function searchText (title: string | null, text: string): string {
  return fold(`${title ?? ''}\n${text}`)
}

export const maxSearchTerms = 8

/** `like` patterns (escape character `\`), one per word of the query: every word must occur. */
export function searchPatterns (search: string): string[] {
  const words = fold(search).split(/\s+/).filter(w => w !== '').slice(0, maxSearchTerms)
  return words.map(w => `%${w.replace(/[\\%_]/g, c => `\\${c}`)}%`)
}
