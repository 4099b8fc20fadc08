// Renders the app icon (icon.svg) and the tray icons (tray.svg.mjs) to PNGs with Debian's Chromium:
// `node build/render-icons.mjs`. The PNGs are committed, so packaging needs no renderer.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { chromium } from 'playwright';
import { trayArtwork } from './tray.svg.mjs';

const here = new URL('.', import.meta.url);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});
const page = await browser.newPage();

async function render(svg, size) {
  await page.setViewportSize({ width: size, height: size });
  const html = `<html><body style="margin:0;background:transparent">${svg.replace(/width="\d+" height="\d+"/, `width="${size}" height="${size}"`)}</body></html>`;
  await page.setContent(html);
  return page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
}

const appSvg = await readFile(new URL('icon.svg', here), 'utf8');
await mkdir(new URL('icons/', here), { recursive: true });
for (const size of [16, 24, 32, 48, 64, 128, 256, 512]) {
  await writeFile(new URL(`icons/${size}x${size}.png`, here), await render(appSvg, size));
}
await writeFile(new URL('icon.png', here), await render(appSvg, 1024));

await mkdir(new URL('tray/', here), { recursive: true });
for (const [state, svg] of Object.entries(trayArtwork)) {
  await writeFile(new URL(`tray/${state}.png`, here), await render(svg, 16));
  await writeFile(new URL(`tray/${state}@2x.png`, here), await render(svg, 32));
  await writeFile(new URL(`tray/${state}@3x.png`, here), await render(svg, 48));
}
await browser.close();
console.log('icons written under build/');
