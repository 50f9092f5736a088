#!/usr/bin/env node
// Renders the answers record.py wrote (out/answers.json) as Discord draws them: one PNG per
// answer in docs/screenshots/, drawn by @skyra/discord-components-core in headless Debian
// Chromium (driven by playwright-core). The page and its scripts are served from this folder by
// a request interceptor; every other request is refused, so nothing reaches the network.
//
//   node tools/screenshots/render.mjs [--in FILE] [--out DIR] [--only slug,slug] [--chromium PATH]
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { answerChars } from './stats.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');
const ORIGIN = 'http://screenshots.invalid';
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json', '.css': 'text/css' };
const CHROMIUM_FLAGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--disable-default-apps',
	'--disable-extensions'
];

const { values: args } = parseArgs({
	options: {
		in: { type: 'string', default: join(HERE, 'out', 'answers.json') },
		out: { type: 'string', default: join(REPO, 'docs', 'screenshots') },
		only: { type: 'string', default: '' },
		chromium: { type: 'string', default: process.env.CHROMIUM ?? '/usr/bin/chromium' }
	}
});

/** Serves files under this folder at ORIGIN; refuses everything else. */
async function serve(route) {
	const url = new URL(route.request().url());
	if (url.origin !== ORIGIN) {
		console.warn(`  refused a request to ${url.origin}`);
		return route.abort('blockedbyclient');
	}
	const path = normalize(join(HERE, decodeURIComponent(url.pathname)));
	if (relative(HERE, path).startsWith('..')) return route.fulfill({ status: 403, body: 'outside' });
	try {
		const body = await readFile(path);
		return route.fulfill({ status: 200, body, contentType: TYPES[extname(path)] ?? 'application/octet-stream' });
	} catch {
		return route.fulfill({ status: 404, body: 'not found' });
	}
}

async function main() {
	const data = JSON.parse(await readFile(args.in, 'utf8'));
	const wanted = new Set(args.only.split(',').filter(Boolean));
	const answers = data.answers.filter((a) => !wanted.size || wanted.has(a.slug));
	await mkdir(args.out, { recursive: true });
	const browser = await chromium.launch({ executablePath: args.chromium, headless: true, args: CHROMIUM_FLAGS });
	const failures = [];
	try {
		const context = await browser.newContext({
			viewport: { width: 800, height: 600 },
			deviceScaleFactor: 1,
			timezoneId: data.viewer_timezone || 'UTC',
			locale: 'en-US',
			colorScheme: 'dark'
		});
		await context.route('**/*', serve);
		const page = await context.newPage();
		const errors = [];
		page.on('pageerror', (err) => errors.push(err.message));
		page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
		await page.goto(`${ORIGIN}/page.html`);
		await page.waitForFunction(() => window.pageReady === true, null, { timeout: 20000 });
		for (const answer of answers) {
			errors.length = 0;
			await page.evaluate(
				([a, world, options]) => window.renderAnswer(a, world, options),
				[answer, data.world, { timeZone: data.viewer_timezone || 'UTC', recordedAt: data.recorded_at }]
			);
			const file = join(args.out, `${answer.slug}.png`);
			await page.locator('#stage').screenshot({ path: file, animations: 'disabled' });
			const shrunk = shrink(file);
			const note = errors.length ? `  PAGE ERRORS: ${errors.join(' | ')}` : '';
			if (errors.length || !answer.messages.length) failures.push(answer.slug);
			const kb = Math.round((await stat(file)).size / 1024);
			console.log(`  ${relative(REPO, file)}  ${kb} KB${shrunk ? '' : ' (pngquant not installed: not shrunk)'}, ${answerChars(answer).first} characters in the first message${note}`);
		}
	} finally {
		await browser.close();
	}
	await writeFile(join(args.out, 'README.md'), index(data, answers));
	if (failures.length) {
		console.error(`problems with: ${failures.join(', ')}`);
		process.exitCode = 1;
	}
}

/** Quantises the PNG in place with pngquant (a Debian package) when it is installed: about a third of the size. */
function shrink(file) {
	const run = spawnSync('pngquant', ['--quality', '70-95', '--speed', '1', '--strip', '--force', '--output', file, file]);
	return !run.error && run.status === 0;
}

/** docs/screenshots/README.md: every picture with the command that produced it. */
function index(data, answers) {
	const lines = [
		'# Screenshots of real answers',
		'',
		"The bot's real answers (`python -m bot run` against the fake Discord in `tests/fakediscord`),",
		'drawn the way Discord draws them. Regenerate with `tools/screenshots/make.sh`; see',
		'`tools/screenshots/README.md`. Times are shown in the viewer timezone ' + `\`${data.viewer_timezone}\`.`,
		'',
		'| answer | command | characters (first message) |',
		'| --- | --- | --- |'
	];
	for (const a of answers) {
		const what = a.kind === 'daily' ? `daily post to #${a.channel?.name}` : `\`${a.command}\``;
		lines.push(`| [${a.slug}](${a.slug}.png) | ${what} | ${answerChars(a).first} |`);
	}
	lines.push('');
	for (const a of answers) {
		lines.push(`## ${a.slug}`, '', a.title && a.title !== a.command ? `${a.title}` : `\`${a.command ?? a.slug}\``, '', `![${a.slug}](${a.slug}.png)`, '');
	}
	return lines.join('\n');
}

main().catch((err) => {
	console.error(err?.stack || String(err));
	process.exitCode = 1;
});
