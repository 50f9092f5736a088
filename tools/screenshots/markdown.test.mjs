// Checks for markdown.mjs: `node --test tools/screenshots/` (make.sh runs them before rendering).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTimestamp, inline, markdown, relative } from './markdown.mjs';

const world = {
	channels: { 1: 'history' },
	roles: { 2: { name: 'Readers', color: 0x3498db } },
	users: { 3: 'Owner' }
};

test('bold, italics, underline, strike and code', () => {
	assert.equal(inline('**a** *b* _c_ __d__ ~~e~~'), '<discord-bold>a</discord-bold> <discord-italic>b</discord-italic> <discord-italic>c</discord-italic> <discord-underlined>d</discord-underlined> <s>e</s>');
	assert.equal(inline('`**not bold**`'), '<discord-code>**not bold**</discord-code>');
	assert.equal(inline('```py\nx = 1\n```'), '<discord-code multiline embed>x = 1</discord-code>');
	assert.equal(inline('**bold *and italic***'), '<discord-bold>bold <discord-italic>and italic</discord-italic></discord-bold>');
});

test('underscores inside words and escaped characters stay literal', () => {
	assert.equal(inline('snake_case_name'), 'snake_case_name');
	assert.equal(inline('\\*not italic\\*'), '*not italic*');
	assert.equal(inline('a < b & c'), 'a &lt; b &amp; c');
});

test('links: masked, angle-bracketed and bare', () => {
	assert.equal(inline('[Read it](https://example.org/x)'), '<discord-link href="https://example.org/x" target="_blank">Read it</discord-link>');
	assert.equal(inline('<https://example.org/a>'), '<discord-link href="https://example.org/a" target="_blank">https://example.org/a</discord-link>');
	assert.equal(inline('see https://example.org/b.'), 'see <discord-link href="https://example.org/b" target="_blank">https://example.org/b</discord-link>.');
});

test('mentions use the recorded names', () => {
	assert.equal(inline('<#1>', { world }), '<discord-mention type="channel">history</discord-mention>');
	assert.equal(inline('<@&2>', { world }), '<discord-mention type="role" style="--discord-mention-color: #3498db;">Readers</discord-mention>');
	assert.equal(inline('<@3>', { world }), '<discord-mention type="user">Owner</discord-mention>');
	assert.equal(inline('<#9>', { world }), '<discord-mention type="channel">unknown-channel</discord-mention>');
});

test('timestamps are shown as Discord shows them (en-US)', () => {
	const ts = Date.UTC(2026, 11, 3, 8, 5) / 1000; // Thursday 3 December 2026 08:05 UTC
	const ctx = { timeZone: 'Europe/Berlin', now: new Date((ts - 120) * 1000) };
	assert.equal(formatTimestamp(ts, 't', ctx), '9:05 AM');
	assert.equal(formatTimestamp(ts, 'd', ctx), '12/03/2026');
	assert.equal(formatTimestamp(ts, 'D', ctx), 'December 3, 2026');
	assert.equal(formatTimestamp(ts, 'f', ctx), 'December 3, 2026 9:05 AM');
	assert.equal(formatTimestamp(ts, 'F', ctx), 'Thursday, December 3, 2026 9:05 AM');
	assert.equal(formatTimestamp(ts, 'R', ctx), 'in 2 minutes');
	assert.equal(inline(`<t:${ts}:D>`, ctx), '<discord-time>December 3, 2026</discord-time>');
	assert.equal(relative(-3 * 3600 * 1000), '3 hours ago');
	assert.equal(relative(30 * 1000), 'in a few seconds');
});

test('block syntax: lists, quotes, headers, line breaks', () => {
	assert.equal(markdown('a\nb'), 'a<br>b');
	assert.equal(markdown('- x\n- **y**'), '<discord-unordered-list><discord-list-item>x</discord-list-item><discord-list-item><discord-bold>y</discord-bold></discord-list-item></discord-unordered-list>');
	assert.equal(markdown('> quoted\n> more'), '<discord-quote>quoted<br>more</discord-quote>');
	assert.equal(markdown('## Title'), '<discord-header level="2">Title</discord-header>');
	assert.equal(markdown('• not a list'), '• not a list');
});
