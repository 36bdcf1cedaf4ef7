// Line icons drawn for the widget (no icon font: the page may have none, and emoji fonts vary).
const paths = {
  chat: 'M5 4h14a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2h-8l-5 4v-4H5a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z',
  close: 'M6 6l12 12M18 6L6 18',
  attach: 'M15 7l-6.5 6.5a2 2 0 0 0 2.8 2.8L18 9.6a4 4 0 0 0-5.7-5.7L5.6 10.6a6 6 0 0 0 8.5 8.5L20 13.2',
  smile: 'M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18zM8 14c1 1.3 2.3 2 4 2s3-.7 4-2M9 9.5h.01M15 9.5h.01'
}

export function Icon ({ name, size = 22 }: { name: keyof typeof paths, size?: number }) {
  return (
    <svg width={size} height={size} viewBox='0 0 24 24' aria-hidden='true' fill='none' stroke='currentColor' stroke-width='2' stroke-linecap='round' stroke-linejoin='round'>
      <path d={paths[name]} />
    </svg>
  )
}
