// Character counts of recorded messages, the way Discord counts toward its 6000-character embed
// limit (plus the message content): content + every embed's title, description, field names and
// values, footer text and author name.

/** Characters (code points, as Discord counts) a member reads in one message. */
export function messageChars(msg) {
	const len = (s) => [...String(s ?? '')].length;
	let total = len(msg.content);
	for (const e of msg.embeds || []) {
		total += len(e.title) + len(e.description) + len(e.footer?.text) + len(e.author?.name);
		for (const f of e.fields || []) total += len(f.name) + len(f.value);
	}
	return total;
}

/** { first, all }: the first message's count and the whole answer's (follow-ups included). */
export function answerChars(answer) {
	const counts = (answer.messages || []).map(messageChars);
	return { first: counts[0] ?? 0, all: counts.reduce((a, b) => a + b, 0) };
}
