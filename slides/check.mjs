// Renders a board pack's slides (exec_scale_readout.md) with the pinned Marp
// CLI to HTML, opens the HTML in headless chromium (the system's, through
// puppeteer-core) and checks:
//   - the slide count equals the slides the Markdown declares (`---`
//     separators after the front matter), and is at least --min;
//   - no slide overflows: each <section> (1280x720) holds its content, i.e.
//     its scroll size does not exceed its box, in either direction.
// usage: node slides/check.mjs PACK_DIR [--min N] [--chromium PATH]
// Exit 0 when every slide fits; 1 with one line per overflowing slide.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const packDir = args.find((a, i) => !a.startsWith("--") && !(args[i - 1] ?? "").startsWith("--"));
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
if (!packDir) {
  console.error("usage: node slides/check.mjs PACK_DIR [--min N] [--chromium PATH]");
  process.exit(2);
}
const md = resolve(packDir, "exec_scale_readout.md");
const min = Number(opt("--min", "1"));
const chromium =
  opt("--chromium") ??
  ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find((p) => existsSync(p));
if (!chromium) {
  console.error("no chromium found (apt install chromium; scripts/setup.sh --e2e does)");
  process.exit(2);
}

// Slides the Markdown declares: front matter, then one `---` per slide.
const text = readFileSync(md, "utf8");
const body = text.replace(/^---\n[\s\S]*?\n---\n/, "");
const declared = 1 + (body.match(/^---$/gm) ?? []).length;

// The HTML goes beside the Markdown so relative links (the UCR chart) resolve.
const out = mkdtempSync(join(tmpdir(), "capcall-slides-"));
const html = resolve(packDir, ".slides-check.html");
const marp = join(here, "node_modules", ".bin", "marp");
execFileSync(marp, ["--no-stdin", "--template", "bare", "--allow-local-files", "--html", "false", md, "-o", html], {
  stdio: ["ignore", "ignore", "inherit"],
  env: { ...process.env, CHROME_PATH: chromium },
});

const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"],
});
let failures = [];
let count = 0;
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 720 });
  await page.goto(pathToFileURL(html).href, { waitUntil: "load" });
  await page.evaluate(() => document.fonts.ready);
  const slides = await page.evaluate(() =>
    [...document.querySelectorAll("section")].map((s, i) => {
      const title = (s.querySelector("h1,h2")?.textContent ?? "").trim();
      // Images must have loaded (the UCR chart), else their size is 0.
      const brokenImages = [...s.querySelectorAll("img")].filter((img) => !img.complete || img.naturalWidth === 0).length;
      return {
        n: i + 1,
        title,
        w: s.clientWidth,
        h: s.clientHeight,
        sw: s.scrollWidth,
        sh: s.scrollHeight,
        brokenImages,
      };
    }),
  );
  count = slides.length;
  for (const s of slides) {
    if (s.sh > s.h + 1 || s.sw > s.w + 1) {
      failures.push(`slide ${s.n} "${s.title}" overflows: content ${s.sw}x${s.sh} in a ${s.w}x${s.h} slide`);
    }
    if (s.brokenImages > 0) failures.push(`slide ${s.n} "${s.title}": ${s.brokenImages} image(s) did not load`);
  }
} finally {
  await browser.close();
  rmSync(out, { recursive: true, force: true });
  rmSync(html, { force: true });
}
if (count !== declared) failures.push(`${count} slides rendered, the Markdown declares ${declared}`);
if (count < min) failures.push(`${count} slides, expected at least ${min}`);
if (failures.length > 0) {
  for (const f of failures) console.error(f);
  process.exit(1);
}
console.log(`${md}: ${count} slides, none overflows`);
