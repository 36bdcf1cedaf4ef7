// The console's HTML shell: an empty mount point, the stylesheet and the script, nothing inline.
export const basePath = '/plugins/console'

export function indexHtml (version: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Openline</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${basePath}/app.css?v=${version}">
<script src="${basePath}/app.js?v=${version}" defer></script>
</head>
<body>
<div id="app"></div>
<noscript>The Openline console needs JavaScript.</noscript>
</body>
</html>
`
}
