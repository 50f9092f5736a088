// Runs inside page.html: turns one recorded answer (see record.py) into discord-components
// elements. render.mjs calls window.renderAnswer(...) and then screenshots #stage.
import '@skyra/discord-components-core';
import { escapeHtml as esc, inline, markdown } from './markdown.mjs';

const EPHEMERAL = 1 << 6;
const COLOURS = ['#5865f2', '#757e8a', '#3ba55c', '#faa61a', '#ed4245', '#eb459f'];
const BUTTON_TYPES = { 1: 'primary', 2: 'secondary', 3: 'success', 4: 'destructive', 5: 'secondary', 6: 'primary' };

/** A placeholder avatar: Discord's default colour for the id, and the name's first letter. */
export function avatar(user) {
	const colour = user.bot ? '#a4171a' : COLOURS[Number((BigInt(user.id) >> 22n) % 6n)];
	const letter = user.bot ? 'FB' : (user.global_name || user.username || '?').slice(0, 1).toUpperCase();
	const size = letter.length > 1 ? 30 : 38;
	const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="80" height="80"><circle cx="40" cy="40" r="40" fill="${colour}"/><text x="40" y="41" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="${size}" fill="#fff" text-anchor="middle" dominant-baseline="central">${esc(letter)}</text></svg>`;
	return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

/** "Today at 9:05 AM", or "12/03/2026 9:05 AM" for another day, as Discord labels a message. */
export function clockLabel(iso, { timeZone, now }) {
	const date = new Date(iso);
	const day = (d) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
	const time = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', minute: '2-digit' }).format(date);
	if (day(date) === day(now)) return `Today at ${time}`;
	const d = new Intl.DateTimeFormat('en-US', { timeZone, day: '2-digit', month: '2-digit', year: 'numeric' }).format(date);
	return `${d} ${time}`;
}

const hex = (n) => `#${Number(n).toString(16).padStart(6, '0')}`;

/** Column spans for the fields: inline ones share a row (up to 3, 2 beside a thumbnail), as Discord lays them out. */
export function fieldColumns(fields, hasThumbnail) {
	const perRow = hasThumbnail ? 2 : 3;
	const spans = [];
	let row = [];
	const close = () => {
		row.forEach((index, k) => {
			const width = 12 / row.length;
			spans[index] = `${1 + k * width}/${1 + (k + 1) * width}`;
		});
		row = [];
	};
	fields.forEach((field, index) => {
		if (!field.inline) {
			close();
			spans[index] = '1/13';
			return;
		}
		if (row.length === perRow) close();
		row.push(index);
	});
	close();
	return spans;
}

function embedHtml(embed, ctx) {
	const attrs = [`slot="embeds"`];
	if (embed.color !== undefined && embed.color !== null) attrs.push(`color="${hex(embed.color)}"`);
	if (embed.title) attrs.push(`embed-title="${esc(embed.title)}"`);
	if (embed.url) attrs.push(`url="${esc(embed.url)}"`);
	if (embed.author?.name) attrs.push(`author-name="${esc(embed.author.name)}"`);
	if (embed.author?.url) attrs.push(`author-url="${esc(embed.author.url)}"`);
	if (embed.thumbnail?.url) attrs.push(`thumbnail="${esc(embed.thumbnail.url)}"`);
	if (embed.image?.url) attrs.push(`image="${esc(embed.image.url)}"`);
	let html = `<discord-embed ${attrs.join(' ')}>`;
	if (embed.description) {
		html += `<discord-embed-description slot="description">${markdown(embed.description, ctx)}</discord-embed-description>`;
	}
	const fields = embed.fields || [];
	if (fields.length) {
		const spans = fieldColumns(fields, Boolean(embed.thumbnail?.url));
		html += '<discord-embed-fields slot="fields">';
		fields.forEach((f, i) => {
			html += `<discord-embed-field style="grid-column: ${spans[i]}"><div class="field-name">${inline(f.name, ctx)}</div>`;
			html += `<div class="field-value">${markdown(f.value, ctx)}</div></discord-embed-field>`;
		});
		html += '</discord-embed-fields>';
	}
	if (embed.footer?.text || embed.timestamp) {
		const stamp = embed.timestamp ? ` timestamp="${esc(clockLabel(embed.timestamp, ctx))}"` : '';
		html += `<discord-embed-footer slot="footer"${stamp}>${esc(embed.footer?.text ?? '')}</discord-embed-footer>`;
	}
	return `${html}</discord-embed>`;
}

function componentHtml(c) {
	const emoji = c.emoji?.name && !c.emoji.id ? `${c.emoji.name} ` : '';
	if (c.type === 2) {
		const url = c.style === 5 && c.url ? ` url="${esc(c.url)}"` : '';
		const disabled = c.disabled ? ' disabled' : '';
		return `<discord-button type="${BUTTON_TYPES[c.style] ?? 'secondary'}"${url}${disabled}>${esc(emoji + (c.label ?? ''))}</discord-button>`;
	}
	if (c.type === 3) {
		const chosen = (c.options || []).filter((o) => o.default).map((o) => o.label);
		const shown = chosen.length ? chosen.join(', ') : (c.placeholder ?? 'Make a selection');
		const options = (c.options || [])
			.map((o) => `<discord-string-select-menu-option label="${esc(o.label)}" description="${esc(o.description ?? '')}"></discord-string-select-menu-option>`)
			.join('');
		return `<discord-string-select-menu placeholder="${esc(shown)}"${c.disabled ? ' disabled' : ''}>${options}</discord-string-select-menu>`;
	}
	return `<span class="warning">[component type ${c.type} not drawn]</span>`;
}

function componentsHtml(rows) {
	if (!rows?.length) return '';
	const inner = rows.map((row) => `<discord-action-row>${(row.components || []).map(componentHtml).join('')}</discord-action-row>`).join('');
	return `<discord-attachments slot="components">${inner}</discord-attachments>`;
}

function messageHtml(msg, answer, world, ctx, first) {
	const bot = world.bot;
	const attrs = [`author="${esc(bot.global_name || bot.username)}"`, `avatar="${avatar(bot)}"`, 'bot'];
	if (Number(msg.flags || 0) & EPHEMERAL) attrs.push('ephemeral');
	attrs.push(`timestamp="${esc(clockLabel(msg.timestamp, ctx))}"`);
	let html = `<discord-message ${attrs.join(' ')}>`;
	if (first && answer.kind === 'slash') {
		const who = answer.invoker;
		html += `<discord-command slot="reply" author="${esc(who.global_name || who.username)}" avatar="${avatar(who)}" command="/${esc(answer.command_name)}"></discord-command>`;
	}
	html += markdown(msg.content, ctx);
	html += (msg.embeds || []).map((e) => embedHtml(e, ctx)).join('');
	html += componentsHtml(msg.components);
	return `${html}</discord-message>`;
}

/** Draws one answer into #stage; returns once every element has rendered. */
window.renderAnswer = async (answer, world, options) => {
	const ctx = { world, timeZone: options.timeZone, now: new Date(answer.messages[0]?.timestamp ?? options.recordedAt) };
	const channel = answer.channel?.name ?? '';
	const messages = answer.messages.map((m, i) => messageHtml(m, answer, world, ctx, i === 0)).join('');
	const empty = answer.messages.length ? '' : `<discord-message author="(nothing)"><span class="warning">No answer was recorded: ${esc((answer.problems || []).join('; '))}</span></discord-message>`;
	const stage = document.getElementById('stage');
	stage.innerHTML = `<discord-messages channel-name="${esc(channel)}">${messages}${empty}</discord-messages>`;
	const tags = new Set([...stage.querySelectorAll('*')].map((el) => el.localName).filter((t) => t.includes('-')));
	await Promise.all([...tags].map((t) => customElements.whenDefined(t)));
	for (let round = 0; round < 3; round++) {
		await Promise.all([...stage.querySelectorAll('*')].map((el) => el.updateComplete).filter(Boolean));
	}
	await document.fonts.ready;
	await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
	return stage.getBoundingClientRect().height;
};
window.pageReady = true;
