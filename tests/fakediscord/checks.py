"""Hand-written checks of the JSON bodies a bot sends, against Discord's documented limits.

Each ``check_*`` function returns a list of human-readable problems (empty = valid). The fake runs
them on every request it understands, records the findings on the request, and (in strict mode)
answers like Discord does: ``400 {"code": 50035, "message": "Invalid Form Body", ...}``.

Sources: https://discord.com/developers/docs/interactions/application-commands (names, option and
choice limits), .../resources/message#create-message (content, embeds, allowed mentions),
.../resources/message#embed-object-embed-limits, .../components/reference (action rows, buttons,
selects), .../interactions/receiving-and-responding (callback types).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

# Interaction types.
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5

# Callback types allowed for each interaction type.
ALLOWED_CALLBACKS: dict[int, frozenset[int]] = {
    PING: frozenset({1}),
    APPLICATION_COMMAND: frozenset({4, 5, 9, 12}),
    MESSAGE_COMPONENT: frozenset({4, 5, 6, 7, 9, 12}),
    AUTOCOMPLETE: frozenset({8}),
    MODAL_SUBMIT: frozenset({4, 5, 6, 7}),
}

MESSAGE_FLAGS_ALLOWED = (1 << 2) | (1 << 6) | (1 << 12) | (1 << 15)  # SUPPRESS_EMBEDS, EPHEMERAL, SUPPRESS_NOTIF, V2
IS_COMPONENTS_V2 = 1 << 15

CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND, PRIMARY_ENTRY_POINT = 1, 2, 3, 4

_SELECT_TYPES = frozenset({3, 5, 6, 7, 8})


def _len_between(where: str, value: Any, lo: int, hi: int, out: list[str]) -> None:
    if not isinstance(value, str):
        out.append(f"{where}: expected a string, got {type(value).__name__}")
    elif not lo <= len(value) <= hi:
        out.append(f"{where}: length {len(value)} not in {lo}..{hi}")


def _max_len(where: str, value: Any, hi: int, out: list[str]) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        out.append(f"{where}: expected a string, got {type(value).__name__}")
    elif len(value) > hi:
        out.append(f"{where}: length {len(value)} > {hi}")


def valid_command_name(name: str) -> bool:
    """``^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$`` and lowercase where a lowercase exists."""
    if not 1 <= len(name) <= 32:
        return False
    for ch in name:
        if ch in "-_'":
            continue
        cat = unicodedata.category(ch)
        if cat[0] in "LN":
            continue
        uname = unicodedata.name(ch, "")
        if uname.startswith(("DEVANAGARI", "THAI")):
            continue
        return False
    return name == name.lower()


# ------------------------------------------------------------------ commands


def check_command(cmd: Any, where: str = "command") -> list[str]:
    out: list[str] = []
    if not isinstance(cmd, dict):
        return [f"{where}: expected an object"]
    ctype = cmd.get("type", CHAT_INPUT)
    if ctype not in (CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND, PRIMARY_ENTRY_POINT):
        out.append(f"{where}.type: unknown command type {ctype!r}")
    name = cmd.get("name")
    where = f"{where}[{name}]"
    if not isinstance(name, str):
        out.append(f"{where}.name: missing")
        return out
    if ctype == CHAT_INPUT:
        if not valid_command_name(name):
            out.append(f"{where}.name: {name!r} does not match ^[-_'\\p{{L}}\\p{{N}}]{{1,32}}$ in lowercase")
        _len_between(f"{where}.description", cmd.get("description"), 1, 100, out)
    else:
        _len_between(f"{where}.name", name, 1, 32, out)
        if cmd.get("description") not in (None, ""):
            out.append(f"{where}.description: must be empty for user/message commands")
        if cmd.get("options"):
            out.append(f"{where}.options: only chat input commands take options")
    _check_localizations(f"{where}.name_localizations", cmd.get("name_localizations"), 1, 32, out)
    _check_localizations(f"{where}.description_localizations", cmd.get("description_localizations"), 1, 100, out)
    dmp = cmd.get("default_member_permissions")
    if dmp is not None and not (isinstance(dmp, str) and dmp.isdigit()) and not isinstance(dmp, int):
        out.append(f"{where}.default_member_permissions: expected a permission bit string or null, got {dmp!r}")
    for key, allowed in (("contexts", {0, 1, 2}), ("integration_types", {0, 1})):
        val = cmd.get(key)
        if val is None:
            continue
        if not isinstance(val, list) or not val or not set(val) <= allowed or len(set(val)) != len(val):
            out.append(f"{where}.{key}: {val!r} is not a non-empty unique subset of {sorted(allowed)}")
    options = cmd.get("options") or []
    _check_options(f"{where}.options", options, depth=0, out=out)
    total = len(name) + len(cmd.get("description") or "") + _options_chars(options)
    if total > 4000:
        out.append(f"{where}: combined name/description/option text is {total} characters > 4000")
    return out


def _check_localizations(where: str, locs: Any, lo: int, hi: int, out: list[str]) -> None:
    if locs is None:
        return
    if not isinstance(locs, dict):
        out.append(f"{where}: expected an object")
        return
    for k, v in locs.items():
        _len_between(f"{where}.{k}", v, lo, hi, out)


def _options_chars(options: list[Any]) -> int:
    n = 0
    for opt in options:
        if not isinstance(opt, dict):
            continue
        n += len(str(opt.get("name", ""))) + len(str(opt.get("description", "")))
        for ch in opt.get("choices") or []:
            if isinstance(ch, dict):
                n += len(str(ch.get("name", ""))) + len(str(ch.get("value", "")))
        n += _options_chars(opt.get("options") or [])
    return n


def _check_options(where: str, options: Any, *, depth: int, out: list[str]) -> None:
    if not isinstance(options, list):
        out.append(f"{where}: expected a list")
        return
    if len(options) > 25:
        out.append(f"{where}: {len(options)} options > 25")
    names: set[str] = set()
    seen_optional = False
    kinds = set()
    for i, opt in enumerate(options):
        w = f"{where}[{i}]"
        if not isinstance(opt, dict):
            out.append(f"{w}: expected an object")
            continue
        otype = opt.get("type")
        if otype not in range(1, 12):
            out.append(f"{w}.type: unknown option type {otype!r}")
            continue
        kinds.add("sub" if otype in (1, 2) else "value")
        name = opt.get("name")
        if not isinstance(name, str) or not valid_command_name(name):
            out.append(f"{w}.name: {name!r} does not match ^[-_'\\p{{L}}\\p{{N}}]{{1,32}}$ in lowercase")
        elif name in names:
            out.append(f"{w}.name: duplicate option name {name!r}")
        else:
            names.add(name)
        _len_between(f"{w}.description", opt.get("description"), 1, 100, out)
        _check_localizations(f"{w}.name_localizations", opt.get("name_localizations"), 1, 32, out)
        _check_localizations(f"{w}.description_localizations", opt.get("description_localizations"), 1, 100, out)
        if otype in (1, 2):
            if otype == 2 and depth > 0:
                out.append(f"{w}: subcommand groups can only be nested one level")
            if otype == 1 and depth > 1:
                out.append(f"{w}: subcommands nested too deeply")
            sub = opt.get("options") or []
            if otype == 2 and any(isinstance(s, dict) and s.get("type") != 1 for s in sub):
                out.append(f"{w}.options: a subcommand group holds only subcommands")
            if otype == 1 and any(isinstance(s, dict) and s.get("type") in (1, 2) for s in sub):
                out.append(f"{w}.options: a subcommand cannot hold subcommands")
            _check_options(f"{w}.options", sub, depth=depth + 1, out=out)
            continue
        if opt.get("required"):
            if seen_optional:
                out.append(f"{w}: required option {name!r} after an optional one")
        else:
            seen_optional = True
        choices = opt.get("choices")
        if choices:
            if opt.get("autocomplete"):
                out.append(f"{w}: autocomplete cannot be combined with choices")
            if otype not in (3, 4, 10):
                out.append(f"{w}.choices: only string, integer and number options take choices")
            _check_choices(f"{w}.choices", choices, otype, out)
        if opt.get("autocomplete") and otype not in (3, 4, 10):
            out.append(f"{w}.autocomplete: only string, integer and number options autocomplete")
        for key, lo, hi in (("min_length", 0, 6000), ("max_length", 1, 6000)):
            val = opt.get(key)
            if val is not None and (otype != 3 or not isinstance(val, int) or not lo <= val <= hi):
                out.append(f"{w}.{key}: {val!r} invalid (string options only, {lo}..{hi})")
    if len(kinds) > 1:
        out.append(f"{where}: subcommands cannot be mixed with value options")


def _check_choices(where: str, choices: Any, otype: int | None, out: list[str]) -> None:
    if not isinstance(choices, list):
        out.append(f"{where}: expected a list")
        return
    if len(choices) > 25:
        out.append(f"{where}: {len(choices)} choices > 25")
    for i, ch in enumerate(choices):
        w = f"{where}[{i}]"
        if not isinstance(ch, dict):
            out.append(f"{w}: expected an object")
            continue
        _len_between(f"{w}.name", ch.get("name"), 1, 100, out)
        _check_localizations(f"{w}.name_localizations", ch.get("name_localizations"), 1, 100, out)
        value = ch.get("value")
        if otype == 3 or (otype is None and isinstance(value, str)):
            _len_between(f"{w}.value", value, 0, 100, out)
        elif otype == 4:
            if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 2**53:
                out.append(f"{w}.value: {value!r} is not an integer in -2^53..2^53")
        elif isinstance(value, bool) or not isinstance(value, int | float):
            out.append(f"{w}.value: {value!r} is not a string or number")


def check_command_list(cmds: Any, where: str = "commands") -> list[str]:
    """A bulk overwrite body (PUT .../commands)."""
    if not isinstance(cmds, list):
        return [f"{where}: expected a list of commands"]
    out: list[str] = []
    counts = {CHAT_INPUT: 0, USER_COMMAND: 0, MESSAGE_COMMAND: 0}
    seen: set[tuple[int, str]] = set()
    for i, cmd in enumerate(cmds):
        out.extend(check_command(cmd, f"{where}[{i}]"))
        if isinstance(cmd, dict):
            key = (cmd.get("type", 1), str(cmd.get("name")))
            if key in seen:
                out.append(f"{where}[{i}]: duplicate command name {key[1]!r} for type {key[0]}")
            seen.add(key)
            if key[0] in counts:
                counts[key[0]] += 1
    for ctype, limit in ((CHAT_INPUT, 100), (USER_COMMAND, 15), (MESSAGE_COMMAND, 15)):
        if counts[ctype] > limit:
            out.append(f"{where}: {counts[ctype]} commands of type {ctype} > {limit}")
    return out


# ------------------------------------------------------------------ messages


def check_message(body: Any, *, where: str = "message", edit: bool = False, has_files: bool = False) -> list[str]:
    """A create/edit message body (channel messages, interaction responses, webhooks, follow-ups)."""
    if not isinstance(body, dict):
        return [f"{where}: expected an object"]
    out: list[str] = []
    flags = body.get("flags") or 0
    if not isinstance(flags, int) or flags & ~MESSAGE_FLAGS_ALLOWED:
        out.append(f"{where}.flags: {flags!r} sets bits a bot cannot send")
        flags = 0
    v2 = bool(flags & IS_COMPONENTS_V2)
    content = body.get("content")
    _max_len(f"{where}.content", content, 2000, out)
    embeds = body.get("embeds")
    if embeds is not None:
        if not isinstance(embeds, list):
            out.append(f"{where}.embeds: expected a list")
            embeds = []
        elif len(embeds) > 10:
            out.append(f"{where}.embeds: {len(embeds)} embeds > 10")
        total = 0
        for i, e in enumerate(embeds):
            total += _check_embed(f"{where}.embeds[{i}]", e, out)
        if total > 6000:
            out.append(f"{where}.embeds: {total} characters in all embeds > 6000")
        if v2 and embeds:
            out.append(f"{where}: IS_COMPONENTS_V2 messages cannot carry embeds")
    if "allowed_mentions" in body and body["allowed_mentions"] is not None:
        _check_allowed_mentions(f"{where}.allowed_mentions", body["allowed_mentions"], out)
    components = body.get("components")
    if components is not None:
        _check_components(f"{where}.components", components, v2, out)
    if v2 and content:
        out.append(f"{where}: IS_COMPONENTS_V2 messages cannot carry content")
    if not edit:
        has_any = bool(content) or bool(embeds) or bool(components) or has_files
        has_any = has_any or bool(body.get("sticker_ids")) or bool(body.get("poll")) or bool(body.get("attachments"))
        if not has_any:
            out.append(f"{where}: cannot send an empty message (no content, embeds, components or files)")
    return out


def _check_embed(where: str, e: Any, out: list[str]) -> int:
    if not isinstance(e, dict):
        out.append(f"{where}: expected an object")
        return 0
    chars = 0
    for key, limit in (("title", 256), ("description", 4096)):
        val = e.get(key)
        _max_len(f"{where}.{key}", val, limit, out)
        chars += len(val) if isinstance(val, str) else 0
    color = e.get("color")
    if color is not None and (isinstance(color, bool) or not isinstance(color, int) or not 0 <= color <= 0xFFFFFF):
        out.append(f"{where}.color: {color!r} not in 0..0xFFFFFF")
    for key in ("url",):
        val = e.get(key)
        if val is not None and not (isinstance(val, str) and val.startswith(("http://", "https://"))):
            out.append(f"{where}.{key}: {val!r} is not an http(s) URL")
    ts = e.get("timestamp")
    if ts is not None:
        try:
            dt.datetime.fromisoformat(str(ts))
        except ValueError:
            out.append(f"{where}.timestamp: {ts!r} is not ISO8601")
    fields = e.get("fields") or []
    if len(fields) > 25:
        out.append(f"{where}.fields: {len(fields)} fields > 25")
    for i, f in enumerate(fields):
        if not isinstance(f, dict):
            out.append(f"{where}.fields[{i}]: expected an object")
            continue
        _len_between(f"{where}.fields[{i}].name", f.get("name"), 1, 256, out)
        _len_between(f"{where}.fields[{i}].value", f.get("value"), 1, 1024, out)
        chars += len(str(f.get("name") or "")) + len(str(f.get("value") or ""))
    footer = e.get("footer")
    if isinstance(footer, dict):
        _len_between(f"{where}.footer.text", footer.get("text"), 1, 2048, out)
        chars += len(str(footer.get("text") or ""))
    author = e.get("author")
    if isinstance(author, dict):
        _len_between(f"{where}.author.name", author.get("name"), 1, 256, out)
        chars += len(str(author.get("name") or ""))
    for key in ("image", "thumbnail"):
        part = e.get(key)
        if isinstance(part, dict) and not str(part.get("url", "")).startswith(("http://", "https://", "attachment://")):
            out.append(f"{where}.{key}.url: {part.get('url')!r} is not an http(s) or attachment:// URL")
    return chars


def _check_allowed_mentions(where: str, am: Any, out: list[str]) -> None:
    if not isinstance(am, dict):
        out.append(f"{where}: expected an object")
        return
    parse = am.get("parse") or []
    if not isinstance(parse, list) or not set(parse) <= {"users", "roles", "everyone"}:
        out.append(f"{where}.parse: {parse!r} is not a subset of users/roles/everyone")
        parse = []
    for key in ("users", "roles"):
        ids = am.get(key)
        if ids is None:
            continue
        if not isinstance(ids, list) or len(ids) > 100:
            out.append(f"{where}.{key}: expected at most 100 ids")
        elif key in parse and ids:
            out.append(f"{where}: parse {key!r} and a {key} list are mutually exclusive")
    if "replied_user" in am and not isinstance(am["replied_user"], bool):
        out.append(f"{where}.replied_user: expected a boolean")


def _check_components(where: str, rows: Any, v2: bool, out: list[str]) -> None:
    if not isinstance(rows, list):
        out.append(f"{where}: expected a list")
        return
    if not v2 and len(rows) > 5:
        out.append(f"{where}: {len(rows)} action rows > 5")
    if v2 and len(rows) > 40:
        out.append(f"{where}: {len(rows)} top-level components > 40")
    custom_ids: set[str] = set()
    for i, row in enumerate(rows):
        w = f"{where}[{i}]"
        if not isinstance(row, dict):
            out.append(f"{w}: expected an object")
            continue
        if row.get("type") != 1:
            if not v2:
                out.append(f"{w}.type: top-level components must be action rows (1), got {row.get('type')!r}")
            continue
        children = row.get("components")
        if not isinstance(children, list) or not 1 <= len(children) <= 5:
            out.append(f"{w}.components: an action row holds 1..5 components")
            continue
        if any(isinstance(c, dict) and c.get("type") in _SELECT_TYPES for c in children) and len(children) > 1:
            out.append(f"{w}.components: a select menu must be alone in its action row")
        for j, c in enumerate(children):
            _check_interactive(f"{w}.components[{j}]", c, custom_ids, out)


def _check_interactive(where: str, c: Any, custom_ids: set[str], out: list[str]) -> None:
    if not isinstance(c, dict):
        out.append(f"{where}: expected an object")
        return
    ctype = c.get("type")
    if ctype == 2:
        style = c.get("style")
        if style not in range(1, 7):
            out.append(f"{where}.style: {style!r} not a button style 1..6")
        _max_len(f"{where}.label", c.get("label"), 80, out)
        if style == 5:
            if not str(c.get("url", "")).startswith(("http://", "https://", "discord://")):
                out.append(f"{where}.url: a link button needs an http(s) url")
            if c.get("custom_id") is not None:
                out.append(f"{where}.custom_id: a link button cannot have a custom_id")
        elif style == 6:
            if c.get("sku_id") is None:
                out.append(f"{where}.sku_id: a premium button needs a sku_id")
        else:
            _check_custom_id(where, c.get("custom_id"), custom_ids, out)
            if c.get("url") is not None:
                out.append(f"{where}.url: only link buttons have a url")
        if c.get("label") is None and c.get("emoji") is None and style != 6:
            out.append(f"{where}: a button needs a label or an emoji")
    elif ctype in _SELECT_TYPES:
        _check_custom_id(where, c.get("custom_id"), custom_ids, out)
        _max_len(f"{where}.placeholder", c.get("placeholder"), 150, out)
        lo, hi = c.get("min_values", 1), c.get("max_values", 1)
        if not (isinstance(lo, int) and 0 <= lo <= 25):
            out.append(f"{where}.min_values: {lo!r} not in 0..25")
        if not (isinstance(hi, int) and 1 <= hi <= 25):
            out.append(f"{where}.max_values: {hi!r} not in 1..25")
        if ctype == 3:
            options = c.get("options")
            if not isinstance(options, list) or not 1 <= len(options) <= 25:
                out.append(f"{where}.options: a string select holds 1..25 options")
                return
            if isinstance(hi, int) and hi > len(options):
                out.append(f"{where}.max_values: {hi} > number of options {len(options)}")
            values: set[str] = set()
            for k, o in enumerate(options):
                if not isinstance(o, dict):
                    out.append(f"{where}.options[{k}]: expected an object")
                    continue
                _len_between(f"{where}.options[{k}].label", o.get("label"), 1, 100, out)
                _len_between(f"{where}.options[{k}].value", o.get("value"), 1, 100, out)
                _max_len(f"{where}.options[{k}].description", o.get("description"), 100, out)
                if o.get("value") in values:
                    out.append(f"{where}.options[{k}].value: duplicate value {o.get('value')!r}")
                values.add(str(o.get("value")))
    else:
        out.append(f"{where}.type: {ctype!r} is not a button or select menu")


def _check_custom_id(where: str, cid: Any, seen: set[str], out: list[str]) -> None:
    _len_between(f"{where}.custom_id", cid, 1, 100, out)
    if isinstance(cid, str):
        if cid in seen:
            out.append(f"{where}.custom_id: duplicate custom_id {cid!r} in one message")
        seen.add(cid)


# ------------------------------------------------------------------ interaction callbacks


def check_interaction_callback(body: Any, interaction_type: int, *, has_files: bool = False) -> list[str]:
    """POST /interactions/{id}/{token}/callback for an interaction of ``interaction_type``."""
    if not isinstance(body, dict):
        return ["callback: expected an object"]
    out: list[str] = []
    ctype = body.get("type")
    allowed = ALLOWED_CALLBACKS.get(interaction_type, frozenset())
    if ctype not in allowed:
        out.append(f"callback.type: {ctype!r} not allowed for interaction type {interaction_type} ({sorted(allowed)})")
    data = body.get("data")
    if ctype == 4:
        out.extend(check_message(data, where="callback.data", has_files=has_files))
    elif ctype == 7:
        if data is not None:
            out.extend(check_message(data, where="callback.data", edit=True))
    elif ctype in (5, 6):
        if data is not None and (not isinstance(data, dict) or set(data) - {"flags"}):
            out.append(f"callback.data: a deferred response only takes flags, got {data!r}")
    elif ctype == 8:
        if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
            out.append("callback.data.choices: an autocomplete result needs a choices list")
        else:
            _check_choices("callback.data.choices", data["choices"], None, out)
    elif ctype == 9:
        if not isinstance(data, dict):
            out.append("callback.data: a modal needs data")
        else:
            _len_between("callback.data.custom_id", data.get("custom_id"), 1, 100, out)
            _len_between("callback.data.title", data.get("title"), 1, 45, out)
            comps = data.get("components")
            if not isinstance(comps, list) or not 1 <= len(comps) <= 5:
                out.append("callback.data.components: a modal holds 1..5 components")
    return out


#: Discord's auto-archive durations, in minutes.
AUTO_ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)


def check_thread_from_message(body: Any) -> list[str]:
    """Start Thread from Message: a name of 1-100 characters; optional duration and slow mode."""
    if not isinstance(body, dict):
        return ["thread: the body must be a JSON object"]
    problems = []
    name = body.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 100:
        problems.append(f"thread: name must be 1-100 characters, got {name!r}")
    duration = body.get("auto_archive_duration")
    if duration is not None and duration not in AUTO_ARCHIVE_DURATIONS:
        problems.append(f"thread: auto_archive_duration must be one of {AUTO_ARCHIVE_DURATIONS}, got {duration!r}")
    slow = body.get("rate_limit_per_user")
    if slow is not None and (not isinstance(slow, int) or not 0 <= slow <= 21600):
        problems.append(f"thread: rate_limit_per_user must be 0-21600, got {slow!r}")
    unknown = set(body) - {"name", "auto_archive_duration", "rate_limit_per_user"}
    if unknown:
        problems.append(f"thread: unknown fields {sorted(unknown)}")
    return problems
