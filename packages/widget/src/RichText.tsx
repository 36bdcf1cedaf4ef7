import { linkify } from './linkify.ts'

/** Message text as text (Preact escapes it), with http(s) URLs as links that open in a new tab. */
export function RichText ({ text }: { text: string }) {
  return (
    <>
      {linkify(text).map((piece, i) => piece.href === undefined
        ? piece.text
        : <a key={i} href={piece.href} target='_blank' rel='noopener noreferrer'>{piece.text}</a>)}
    </>
  )
}
