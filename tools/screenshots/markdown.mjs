// Discord markdown -> HTML made of @skyra/discord-components-core elements (discord-bold,
// discord-link, discord-mention, discord-time, ...), close to what Discord's client draws.
// Pure string functions: used by page.mjs in the browser, and runnable under node for checks
// (`node tools/screenshots/markdown.test.mjs`).

const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => ESC[c]);

const ESCAPABLE = /^\\([\\*_~`|>#\-[\]()<:.!+=@/])/;

/** Formats Discord timestamps the way the en-US client shows them, in `timeZone`. */
export function formatTimestamp(seconds, style, { timeZone = 'UTC', now = new Date() } = {}) {
	const date = new Date(seconds * 1000);
	const fmt = (opts) => new Intl.DateTimeFormat('en-US', { timeZone, ...opts }).format(date);
	const time = { hour: 'numeric', minute: '2-digit' };
	switch (style) {
		case 't':
			return fmt(time);
		case 'T':
			return fmt({ ...time, second: '2-digit' });
		case 'd':
			return fmt({ day: '2-digit', month: '2-digit', year: 'numeric' });
		case 'D':
			return fmt({ day: 'numeric', month: 'long', year: 'numeric' });
		case 'F':
			return `${fmt({ weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' })} ${fmt(time)}`;
		case 'R':
			return relative(date - now);
		default:
			return `${fmt({ day: 'numeric', month: 'long', year: 'numeric' })} ${fmt(time)}`;
	}
}

/** "in 2 minutes" / "3 hours ago" with moment's thresholds (what Discord's client uses). */
export function relative(ms) {
	const s = Math.abs(ms) / 1000;
	const steps = [
		[45, () => 'a few seconds'],
		[90, () => 'a minute'],
		[45 * 60, () => `${Math.round(s / 60)} minutes`],
		[90 * 60, () => 'an hour'],
		[22 * 3600, () => `${Math.round(s / 3600)} hours`],
		[36 * 3600, () => 'a day'],
		[26 * 86400, () => `${Math.round(s / 86400)} days`],
		[45 * 86400, () => 'a month'],
		[320 * 86400, () => `${Math.round(s / (30.44 * 86400))} months`],
		[548 * 86400, () => 'a year'],
		[Infinity, () => `${Math.round(s / (365.25 * 86400))} years`]
	];
	const text = steps.find(([limit]) => s < limit)[1]();
	return ms >= 0 ? `in ${text}` : `${text} ago`;
}

// Inline rules, tried in order at each position. `inner` is rendered recursively.
const RULES = [
	{ re: /^```(?:[\w+-]*\n)?([\s\S]*?)\n?```/, out: (m) => `<discord-code multiline embed>${escapeHtml(m[1])}</discord-code>` },
	{ re: /^``([^`]+?)``|^`([^`\n]+?)`/, out: (m) => `<discord-code>${escapeHtml(m[1] ?? m[2])}</discord-code>` },
	{ re: /^\[([^\]\n]+)\]\(<?(https?:\/\/[^)\s>]+)>?\)/, out: (m, r) => link(m[2], r(m[1])) },
	{ re: /^<(https?:\/\/[^>\s]+)>/, out: (m) => link(m[1], escapeHtml(m[1])) },
	{ re: /^https?:\/\/[^\s<]+[^\s<.,:;"')\]!?]/, out: (m) => link(m[0], escapeHtml(m[0])) },
	{ re: /^<t:(-?\d+)(?::([tTdDfFR]))?>/, out: (m, r, ctx) => time(m, ctx) },
	{ re: /^<#(\d+)>/, out: (m, r, ctx) => mention('channel', ctx.world?.channels?.[m[1]] ?? 'unknown-channel') },
	{ re: /^<@&(\d+)>/, out: (m, r, ctx) => roleMention(ctx.world?.roles?.[m[1]]) },
	{ re: /^<@!?(\d+)>/, out: (m, r, ctx) => mention('user', ctx.world?.users?.[m[1]] ?? 'unknown-user') },
	{ re: /^<\/([-\w ]+):\d+>/, out: (m) => mention('slash', m[1]) },
	{ re: /^<a?:(\w+):\d+>/, out: (m) => `:${escapeHtml(m[1])}:` },
	{ re: /^\*\*([\s\S]+?)\*\*(?!\*)/, out: (m, r) => `<discord-bold>${r(m[1])}</discord-bold>` },
	{ re: /^__([\s\S]+?)__(?!_)/, out: (m, r) => `<discord-underlined>${r(m[1])}</discord-underlined>` },
	{ re: /^\*(?=\S)([\s\S]*?\S)\*(?!\*)/, out: (m, r) => `<discord-italic>${r(m[1])}</discord-italic>` },
	{ re: /^_([\s\S]+?)_(?![_\w])/, out: (m, r) => `<discord-italic>${r(m[1])}</discord-italic>`, wordStart: true },
	{ re: /^~~([\s\S]+?)~~/, out: (m, r) => `<s>${r(m[1])}</s>` },
	{ re: /^\|\|([\s\S]+?)\|\|/, out: (m, r) => `<discord-spoiler>${r(m[1])}</discord-spoiler>` }
];

const link = (href, inner) => `<discord-link href="${escapeHtml(href)}" target="_blank">${inner}</discord-link>`;
const mention = (type, name) => `<discord-mention type="${type}">${escapeHtml(name)}</discord-mention>`;

function roleMention(role) {
	if (!role) return mention('role', 'unknown-role');
	const color = role.color ? `#${role.color.toString(16).padStart(6, '0')}` : '';
	const style = color ? ` style="--discord-mention-color: ${color};"` : '';
	return `<discord-mention type="role"${style}>${escapeHtml(role.name)}</discord-mention>`;
}

function time(m, ctx) {
	const text = formatTimestamp(Number(m[1]), m[2] ?? 'f', ctx);
	return `<discord-time>${escapeHtml(text)}</discord-time>`;
}

/** One line (or a paragraph without block syntax) of inline markdown -> HTML. */
export function inline(text, ctx = {}) {
	const render = (inner) => inline(inner, ctx);
	let out = '';
	let i = 0;
	let plain = '';
	const flush = () => {
		out += escapeHtml(plain).replace(/\n/g, '<br>');
		plain = '';
	};
	outer: while (i < text.length) {
		const rest = text.slice(i);
		const esc = ESCAPABLE.exec(rest);
		if (esc) {
			plain += esc[1];
			i += esc[0].length;
			continue;
		}
		for (const rule of RULES) {
			if (rule.wordStart && i > 0 && /\w/.test(text[i - 1])) continue;
			const m = rule.re.exec(rest);
			if (m) {
				flush();
				out += rule.out(m, render, ctx);
				i += m[0].length;
				continue outer;
			}
		}
		plain += text[i];
		i += 1;
	}
	flush();
	return out;
}

/** A whole text (content, description, field value): block syntax (headers, lists, quotes) + inline. */
export function markdown(text, ctx = {}) {
	if (!text) return '';
	const blocks = [];
	const lines = String(text).split('\n');
	for (let i = 0; i < lines.length; i++) {
		const line = lines[i];
		const list = /^\s*[-*] (.*)$/.exec(line);
		if (list) {
			const items = [list[1]];
			while (i + 1 < lines.length && /^\s*[-*] /.test(lines[i + 1])) items.push(/^\s*[-*] (.*)$/.exec(lines[++i])[1]);
			blocks.push({ html: `<discord-unordered-list>${items.map((it) => `<discord-list-item>${inline(it, ctx)}</discord-list-item>`).join('')}</discord-unordered-list>`, block: true });
			continue;
		}
		const quote = /^>>> ([\s\S]*)$/.exec(lines.slice(i).join('\n'));
		if (quote) {
			blocks.push({ html: `<discord-quote>${inline(quote[1], ctx)}</discord-quote>`, block: true });
			break;
		}
		if (/^> /.test(line)) {
			const quoted = [line.slice(2)];
			while (i + 1 < lines.length && /^> /.test(lines[i + 1])) quoted.push(lines[++i].slice(2));
			blocks.push({ html: `<discord-quote>${inline(quoted.join('\n'), ctx)}</discord-quote>`, block: true });
			continue;
		}
		const header = /^(#{1,3}) (.+)$/.exec(line);
		if (header) {
			blocks.push({ html: `<discord-header level="${header[1].length}">${inline(header[2], ctx)}</discord-header>`, block: true });
			continue;
		}
		const sub = /^-# (.+)$/.exec(line);
		if (sub) {
			blocks.push({ html: `<discord-subscript>${inline(sub[1], ctx)}</discord-subscript>`, block: true });
			continue;
		}
		blocks.push({ text: line });
	}
	// Runs of plain lines are rendered together so that **bold** may span a line break, as in Discord.
	let html = '';
	let run = [];
	const flushRun = () => {
		if (run.length) html += inline(run.join('\n'), ctx);
		run = [];
	};
	for (const b of blocks) {
		if (b.block) {
			flushRun();
			html += b.html;
		} else run.push(b.text);
	}
	flushRun();
	return html;
}
