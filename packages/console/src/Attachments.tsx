// Attachments of a message: images inline, other files as download links, from signed URLs.
import { bytes, safeUrl } from './format.ts'
import type { Attachment } from './types.ts'

const isImage = (a: Attachment): boolean => a.kind === 'image' || (a.mimeType ?? '').startsWith('image/')

export function Attachments (props: { items: Attachment[] }) {
  if (props.items.length === 0) return null
  return (
    <ul class='attachments'>
      {props.items.map((a, i) => {
        const url = safeUrl(a.url)
        const name = a.name ?? a.kind ?? 'file'
        if (url === null) return <li key={i} class='attachment unavailable'>{name} <span class='muted'>(not available)</span></li>
        if (isImage(a) && a.mimeType !== 'image/svg+xml') {
          return <li key={i} class='attachment image'><a href={url} target='_blank' rel='noopener noreferrer'><img src={url} alt={name} /></a></li>
        }
        return <li key={i} class='attachment file'><a href={url} target='_blank' rel='noopener noreferrer'>{name}</a> <span class='muted'>{bytes(a.size)}</span></li>
      })}
    </ul>
  )
}
