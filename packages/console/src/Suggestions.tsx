// The autocomplete list under the reply box (mentions, commands).
export interface Suggestion { key: string, label: string, hint?: string }

export function Suggestions (props: { items: Suggestion[], active: number, onPick: (index: number) => void, label: string }) {
  if (props.items.length === 0) return null
  return (
    <ul class='suggestions' role='listbox' aria-label={props.label}>
      {props.items.map((s, i) => (
        <li key={s.key} role='option' aria-selected={i === props.active} class={i === props.active ? 'active' : ''}
          onMouseDown={(e) => { e.preventDefault(); props.onPick(i) }}>
          <span class='suggestion-label'>{s.label}</span>
          {s.hint !== undefined && <span class='muted'> {s.hint}</span>}
        </li>
      ))}
    </ul>
  )
}
