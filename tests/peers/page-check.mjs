// Checks mcpwatch status pages in real Chromium (through playwright-core) at desktop and phone
// widths, in light and dark colour schemes: no sideways scrolling, the 90-day bar visible, WCAG AA
// contrast (4.5:1) for body text, muted text, state pills and the banner, and the auto-refresh.
// Saves one screenshot per page, width and scheme.
//
// node page-check.mjs CHROMIUM BASE_URL ARTIFACT_DIR PATH...
// Prints one line per check; exits 1 when any failed.
import { chromium } from 'playwright-core';
import path from 'node:path';

const [executablePath, base, artifacts, ...paths] = process.argv.slice(2);
if (!executablePath || !base || !artifacts || paths.length === 0) {
  console.error('usage: node page-check.mjs CHROMIUM BASE_URL ARTIFACT_DIR PATH...');
  process.exit(2);
}

const viewports = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 360, height: 740 },
];
const schemes = ['light', 'dark'];
let failures = 0;
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures += 1;
};

// Runs in the page: measurements of layout and colour, as plain data.
function measure() {
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const [r, g, b, a = '1'] = m[1].split(',').map((x) => x.trim());
    return { r: +r, g: +g, b: +b, a: +a };
  };
  const lum = ({ r, g, b }) => {
    const f = (v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (x, y) => {
    const [hi, lo] = [lum(x), lum(y)].sort((p, q) => q - p);
    return (hi + 0.05) / (lo + 0.05);
  };
  // The first opaque background at or above `el` (the page's own at the end).
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0.5) return c;
    }
    return parse(getComputedStyle(document.documentElement).backgroundColor) ?? { r: 255, g: 255, b: 255, a: 1 };
  };
  const contrasts = [];
  const sample = (selector, label) => {
    for (const el of document.querySelectorAll(selector)) {
      if (!el.textContent.trim() || el.getClientRects().length === 0) continue;
      const fg = parse(getComputedStyle(el).color);
      contrasts.push({ label: `${label} "${el.textContent.trim().slice(0, 30)}"`, ratio: ratio(fg, background(el)) });
    }
  };
  sample('h1', 'heading');
  sample('td.name a, table.facts td', 'text');
  sample('.muted, footer', 'muted text');
  sample('.state', 'state pill');
  sample('.banner', 'banner');
  const bars = [...document.querySelectorAll('svg.bar')].map((b) => b.getBoundingClientRect());
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    bars: bars.map((r) => ({ width: r.width, height: r.height, right: r.right })),
    refresh: document.querySelector('meta[http-equiv="refresh"]')?.getAttribute('content') ?? null,
    background: getComputedStyle(document.body).backgroundColor,
    contrasts,
  };
}

const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  for (const vp of viewports) {
    for (const scheme of schemes) {
      const context = await browser.newContext({
        viewport: { width: vp.width, height: vp.height },
        colorScheme: scheme,
        javaScriptEnabled: true, // for measuring only: the pages themselves carry no script
      });
      const page = await context.newPage();
      for (const p of paths) {
        const where = `${p} ${vp.name} ${scheme}`;
        const response = await page.goto(base + p);
        check(response && response.status() === 200, `${where}: HTTP 200`);
        const m = await page.evaluate(measure);
        check(m.scrollWidth <= m.innerWidth, `${where}: no sideways scrolling (${m.scrollWidth} <= ${m.innerWidth})`);
        if (!p.startsWith('/incidents/')) // an incident's page has its timeline, not a bar
          check(m.bars.length > 0 && m.bars.every((b) => b.width >= 100 && b.height > 0 && b.right <= m.innerWidth),
            `${where}: every 90-day bar is visible (${m.bars.map((b) => Math.round(b.width)).join(', ')} px wide)`);
        check(m.refresh === '60', `${where}: refreshes itself every 60 s without JavaScript`);
        const dark = /rgb\((\d+), (\d+), (\d+)\)/.exec(m.background);
        const bgLight = dark && +dark[1] + +dark[2] + +dark[3] > 382;
        check(scheme === 'light' ? bgLight : !bgLight, `${where}: ${scheme} background (${m.background})`);
        const worst = m.contrasts.reduce((w, c) => (c.ratio < w.ratio ? c : w), { ratio: Infinity, label: 'none' });
        check(m.contrasts.length > 0 && worst.ratio >= 4.5,
          `${where}: WCAG AA contrast, lowest ${worst.ratio.toFixed(2)}:1 (${worst.label}) of ${m.contrasts.length} samples`);
        const shot = `page${p.replace(/[^a-z0-9]+/gi, '-').replace(/-$/, '')}-${vp.name}-${scheme}.png`;
        await page.screenshot({ path: path.join(artifacts, shot), fullPage: true });
      }
      await context.close();
    }
  }
} finally {
  await browser.close();
}
process.exit(failures === 0 ? 0 : 1);
