// Entry of the console bundle (see bundle.ts); index.html has an empty #app.
import { render } from 'preact'
import './plugins.ts'
import { App } from './App.tsx'

const root = document.getElementById('app')
if (root !== null) render(<App />, root)
