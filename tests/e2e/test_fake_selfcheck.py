"""Prove the fake Discord with real discord.py clients: in-process and as a subprocess.

Each test drives discord.py 2.7 unchanged through login, the zlib-stream gateway, command
registration, interactions, RESUME, rate limits and error statuses.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
from discord import app_commands
from fakediscord import FakeDiscord, option, payloads
from fakediscord.state import MANAGE_GUILD, OVERWRITE_ROLE, SEND_MESSAGES, Overwrite

from .conftest import REPO_ROOT, SpawnBot

CMDS = "/applications/{application_id}/commands"
CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
CHANNEL_MESSAGES = "/channels/{channel_id}/messages"


# ---------------------------------------------------------------- an in-process client


class Pager(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=30)
        self.page = 1

    @discord.ui.button(label="Next", custom_id="pager:next", style=discord.ButtonStyle.primary)
    async def next_page(self, interaction: discord.Interaction, button: discord.ui.Button[Pager]) -> None:
        self.page += 1
        await interaction.response.edit_message(content=f"page {self.page}", view=self)


class NoteModal(discord.ui.Modal, title="A note"):
    text: discord.ui.TextInput[NoteModal] = discord.ui.TextInput(label="Note", custom_id="note:text", max_length=200)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"noted: {self.text.value}", ephemeral=True)


class ChannelPicker(discord.ui.View):
    @discord.ui.select(cls=discord.ui.ChannelSelect, custom_id="pick:channel", channel_types=[discord.ChannelType.text])
    async def picked(self, interaction: discord.Interaction, select: discord.ui.ChannelSelect[ChannelPicker]) -> None:
        await interaction.response.edit_message(content=f"posting in #{select.values[0].name}", view=None)


class SelfCheckBot(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.1)
        self.tree = app_commands.CommandTree(self)
        self.ready_event = asyncio.Event()
        self.resumed_count = 0
        self.late_errors: list[int] = []
        self.joined: list[int] = []
        tree = self.tree

        @tree.command(name="ok", description="Answers ok")
        async def ok(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("ok")

        @tree.command(name="echo", description="Echoes text")
        @app_commands.describe(text="What to echo")
        async def echo(interaction: discord.Interaction, text: str) -> None:
            await interaction.response.send_message(text, allowed_mentions=discord.AllowedMentions.none())

        @echo.autocomplete("text")
        async def echo_complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=f"{current} {i}", value=f"{current}-{i}") for i in range(3)]

        @tree.command(name="pager", description="A message with a button")
        async def pager(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("page 1", view=Pager())

        @tree.command(name="slow", description="Defers, follows up, edits")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.followup.send(embed=discord.Embed(title="Follow-up", description="done"))
            await interaction.edit_original_response(content="finished")

        @tree.command(name="where", description="Names a channel")
        async def where(interaction: discord.Interaction, channel: discord.TextChannel) -> None:
            await interaction.response.send_message(f"#{channel.name}", ephemeral=True)

        @tree.command(name="sleepy", description="Answers after 0.3 s")
        async def sleepy(interaction: discord.Interaction) -> None:
            await asyncio.sleep(0.3)
            try:
                await interaction.response.send_message("late")
            except discord.NotFound as exc:
                self.late_errors.append(exc.code)

        @tree.command(name="note", description="Opens a modal")
        async def note(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(NoteModal())

        @tree.command(name="pick", description="A channel select")
        @app_commands.default_permissions(manage_guild=True)
        async def pick(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pick a channel", view=ChannelPicker())

        @tree.command(name="admin", description="Only for Manage Server")
        async def admin(interaction: discord.Interaction) -> None:
            allowed = interaction.permissions.manage_guild
            await interaction.response.send_message("allowed" if allowed else "refused", ephemeral=True)

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def on_ready(self) -> None:
        self.ready_event.set()

    async def on_resumed(self) -> None:
        self.resumed_count += 1

    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.joined.append(guild.id)


@contextlib.asynccontextmanager
async def running(client: discord.Client, token: str = "fake-token") -> AsyncIterator[discord.Client]:
    task = asyncio.create_task(client.start(token))
    try:
        yield client
    finally:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 5)


@contextlib.asynccontextmanager
async def ready_bot(fake: FakeDiscord) -> AsyncIterator[SelfCheckBot]:
    bot = SelfCheckBot()
    async with running(bot):
        await fake.wait_for_ready()
        await fake.wait_for_request("PUT", CMDS)
        await asyncio.wait_for(bot.ready_event.wait(), 5)
        yield bot


@pytest.fixture
async def bot(discord_py_at_fake: FakeDiscord) -> AsyncIterator[SelfCheckBot]:
    async with ready_bot(discord_py_at_fake) as b:
        yield b


# ---------------------------------------------------------------- in-process tests


async def test_login_gateway_handshake_and_registration(fake: FakeDiscord, bot: SelfCheckBot) -> None:
    st = fake.state
    first = [(r.method, r.route) for r in st.requests[:3]]
    assert first == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me"), ("PUT", CMDS)]
    assert all(r.status == 200 for r in st.requests[:3])

    # IDENTIFY carried the token and intents; READY then one GUILD_CREATE per guild, zlib-compressed.
    (identify,) = fake.received_ops(2)
    assert identify.d["token"] == "fake-token"
    assert identify.d["intents"] == discord.Intents.default().value
    assert [e.t for e in fake.gateway_log if e.direction == "send" and e.op == 0][:4] == ["READY"] + [
        "GUILD_CREATE"
    ] * 3
    assert fake.connections[0].compressor is not None
    assert fake.connections[0].request.query["compress"] == "zlib-stream"

    # discord.py built real guilds, channels, roles and overwrites from the payloads.
    club = st.guild("People's History Club")
    guild = bot.get_guild(club.id)
    assert guild is not None
    assert {c.name for c in guild.text_channels} == {"general", "history", "announcements", "mods-only", "no-bot"}
    no_bot = guild.get_channel(club.channel("no-bot").id)
    assert isinstance(no_bot, discord.TextChannel)
    assert not no_bot.permissions_for(guild.me).send_messages
    assert guild.get_channel(club.channel("history").id).permissions_for(guild.me).send_messages  # type: ignore[union-attr]
    assert guild.get_role(club.role("Moderators").id).permissions.manage_guild  # type: ignore[union-attr]

    # Command registration: one bulk overwrite with every command, stored with ids.
    (put,) = st.find_requests("PUT", CMDS)
    assert sorted(c["name"] for c in put.body) == [
        "admin",
        "echo",
        "note",
        "ok",
        "pager",
        "pick",
        "sleepy",
        "slow",
        "where",
    ]
    assert put.problems == []
    assert {c["name"] for c in st.global_commands} == {
        "admin",
        "echo",
        "note",
        "ok",
        "pager",
        "pick",
        "sleepy",
        "slow",
        "where",
    }

    # Heartbeats are sent (interval 0.5 s) and acknowledged.
    await fake.wait_for(lambda: len(fake.received_ops(1)) >= 2, 3, "two heartbeats")
    assert any(e.op == 11 for e in fake.gateway_log if e.direction == "send")


async def test_slash_command_callback(fake: FakeDiscord, bot: SelfCheckBot) -> None:
    rec = await fake.slash("ok", user="reader")
    cb = await fake.wait_for_callback(rec)
    assert cb.route == CALLBACK
    assert cb.params == {"with_response": "1"}
    assert cb.body["type"] == 4
    assert cb.body["data"]["content"] == "ok"
    assert cb.status == 200
    assert rec.latency > 0
    original = fake.original_message(rec)
    assert original is not None
    assert original["content"] == "ok"
    assert original["type"] == 20  # CHAT_INPUT_COMMAND reply


async def test_autocomplete_button_followup_resolved_and_permissions(fake: FakeDiscord, bot: SelfCheckBot) -> None:
    # autocomplete (type 4) answered with callback type 8
    rec = await fake.autocomplete("echo", option("text", "rev", focused=True))
    cb = await fake.wait_for_callback(rec)
    assert cb.body == {
        "type": 8,
        "data": {"choices": [{"name": f"rev {i}", "value": f"rev-{i}"} for i in range(3)]},
    }

    # a button on a message the bot sent: MESSAGE_COMPONENT answered with UPDATE_MESSAGE (7)
    rec = await fake.slash("pager")
    await fake.wait_for_callback(rec)
    assert rec.response_message_id is not None
    click = await fake.click(rec.response_message_id, "pager:next", user="reader")
    cb = await fake.wait_for_callback(click)
    assert cb.body["type"] == 7
    assert fake.state.messages[rec.response_message_id]["content"] == "page 2"

    # defer, follow-up with an embed, edit the original
    rec = await fake.slash("slow")
    await fake.wait_for_callback(rec)
    assert rec.callback_type == 5
    await fake.wait_for_request("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}")
    (follow,) = fake.state.find_requests("POST", "/webhooks/{webhook_id}/{webhook_token}")
    assert follow.params.get("wait") in ("1", "true")
    assert follow.body["embeds"][0]["title"] == "Follow-up"
    assert fake.original_message(rec)["content"] == "finished"  # type: ignore[index]

    # channel option: resolved data is built from the fake's guild
    history = fake.state.guild("People's History Club").channel("history")
    rec = await fake.slash("where", option("channel", str(history.id), type=payloads.OPT_CHANNEL))
    cb = await fake.wait_for_callback(rec)
    assert cb.body["data"]["content"] == "#history"
    assert cb.body["data"]["flags"] == 64  # ephemeral

    # member permissions in the payload follow roles: Moderators have Manage Server, readers do not
    answers = {}
    for who in ("moderator", "reader", "owner"):
        rec = await fake.slash("admin", user=who)
        answers[who] = (await fake.wait_for_callback(rec)).body["data"]["content"]
    assert answers == {"moderator": "allowed", "reader": "refused", "owner": "allowed"}


async def test_modal_and_channel_select(fake: FakeDiscord, bot: SelfCheckBot) -> None:
    opened = await fake.slash("note", user="moderator")
    cb = await fake.wait_for_callback(opened)
    assert cb.body["type"] == 9
    submitted = await fake.submit_modal(opened, {"note:text": "remember the Commune"})
    cb = await fake.wait_for_callback(submitted)
    assert submitted.type == 5
    assert cb.body["data"]["content"] == "noted: remember the Commune"

    assert fake.command_allowed("pick", "moderator", "People's History Club")
    assert fake.command_allowed("pick", "owner", "People's History Club")
    assert not fake.command_allowed("pick", "reader", "People's History Club")
    assert fake.command_allowed("ok", "reader", "People's History Club")

    rec = await fake.slash("pick", user="moderator")
    await fake.wait_for_callback(rec)
    assert rec.response_message_id is not None
    history = fake.state.guild("People's History Club").channel("history")
    chose = await fake.click(rec.response_message_id, "pick:channel", user="moderator", component_type=8,
                             values=[str(history.id)])  # fmt: skip
    cb = await fake.wait_for_callback(chose)
    assert cb.body["type"] == 7
    assert fake.state.messages[rec.response_message_id]["content"] == "posting in #history"
    assert fake.state.messages[rec.response_message_id]["components"] == []


async def test_resume_after_dropped_connection_replays_missed_events(fake: FakeDiscord, bot: SelfCheckBot) -> None:
    await fake.drop_gateway()  # abrupt: no close frame
    rec = await fake.slash("ok")  # sent while the bot is disconnected: buffered, replayed on RESUME
    await fake.wait_for_resume()
    cb = await fake.wait_for_callback(rec)
    assert cb.body["data"]["content"] == "ok"

    (resume,) = fake.received_ops(6)
    sess = fake.active_session()
    assert resume.d["session_id"] == sess.id
    assert resume.d["seq"] == 4  # READY + 3 GUILD_CREATE seen before the drop
    assert len(fake.received_ops(2)) == 1  # no second IDENTIFY
    assert fake.connections[-1].path == "/gateway-resume"  # discord.py used READY's resume_gateway_url
    await fake.wait_for(lambda: bot.resumed_count == 1, 2, "on_resumed")

    # and a close frame with a resumable code works the same way
    await fake.drop_gateway(code=4000)
    await fake.wait_for_resume(count=2)
    rec = await fake.slash("ok")
    assert (await fake.wait_for_callback(rec)).status == 200
    assert len(fake.dispatched("INTERACTION_CREATE")) == 2  # one replayed, one live: no duplicates


async def test_reconnect_opcode_resumes(fake: FakeDiscord, bot: SelfCheckBot) -> None:
    # (op 9 INVALID_SESSION works too, but discord.py sleeps 5 s before a non-initial IDENTIFY: too slow here)
    await fake.send_reconnect()  # op 7: discord.py closes and RESUMEs
    await fake.wait_for_resume()
    assert len(fake.received_ops(2)) == 1
    assert fake.connections[-1].path == "/gateway-resume"
    rec = await fake.slash("ok")
    assert (await fake.wait_for_callback(rec)).body["data"]["content"] == "ok"


async def test_429_with_headers_is_retried(discord_py_at_fake: FakeDiscord) -> None:
    fake = discord_py_at_fake
    fake.fail("PUT", CMDS, 429, times=1, retry_after=0.2)
    async with ready_bot(fake):
        first, second = fake.state.find_requests("PUT", CMDS)
        assert (first.status, first.fault, second.status) == (429, True, 200)
        assert second.at - first.at >= 0.2

        # the interaction callback goes through discord.py's webhook adapter, which retries too
        fake.fail("POST", CALLBACK, 429, times=1, retry_after=0.1)
        rec = await fake.slash("ok")
        await fake.wait_for(lambda: rec.callback is not None, 3, "retried callback")
        attempts = fake.state.find_requests("POST", CALLBACK)
        assert [r.status for r in attempts] == [429, 200]


async def test_429_response_shape(fake: FakeDiscord) -> None:
    fake.fail("GET", "/users/@me", 429, retry_after=1.5, times=2)
    fake.fail("GET", "/users/@me", 429, retry_after=0.25, is_global=True)
    async with aiohttp.ClientSession() as s:
        auth = {"Authorization": "Bot fake-token"}
        async with s.get(fake.api_url + "/users/@me", headers=auth) as r:
            assert r.status == 429
            assert r.headers["Content-Type"] == "application/json"
            assert r.headers["Retry-After"] == "2"
            assert r.headers["X-RateLimit-Remaining"] == "0"
            assert r.headers["X-RateLimit-Reset-After"] == "1.500"
            assert r.headers["X-RateLimit-Scope"] == "user"
            assert {"X-RateLimit-Limit", "X-RateLimit-Reset", "X-RateLimit-Bucket", "Via"} <= set(r.headers)
            assert await r.json() == {
                "message": "You are being rate limited.",
                "retry_after": 1.5,
                "global": False,
                "code": 0,
            }
        async with s.get(fake.api_url + "/users/@me", headers=auth) as r:
            assert r.status == 429  # second of times=2
        async with s.get(fake.api_url + "/users/@me", headers=auth) as r:
            assert r.status == 429
            assert r.headers["X-RateLimit-Global"] == "true"
            assert r.headers["X-RateLimit-Scope"] == "global"
            assert (await r.json())["global"] is True
        async with s.get(fake.api_url + "/users/@me", headers=auth) as r:
            assert r.status == 200
        async with s.get(fake.api_url + "/users/@me", headers={"Authorization": "Bot wrong"}) as r:
            assert r.status == 401
        async with s.get(fake.api_url + "/no/such/route", headers=auth) as r:
            assert r.status == 404
    assert [r.status for r in fake.state.requests] == [429, 429, 429, 200, 401, 404]
    assert fake.state.requests[-1].route is None


async def test_403_404_5xx_on_channel_messages(fake: FakeDiscord, bot: SelfCheckBot) -> None:
    club = fake.state.guild("People's History Club")

    def chan(name: str) -> discord.TextChannel:
        ch = bot.get_channel(club.channel(name).id)
        assert isinstance(ch, discord.TextChannel)
        return ch

    # real permission logic: a member overwrite denies the bot Send Messages; a role overwrite hides a channel
    with pytest.raises(discord.Forbidden) as forbidden:
        await chan("no-bot").send("hello")
    assert forbidden.value.code == 50013
    with pytest.raises(discord.Forbidden) as hidden:
        await chan("mods-only").send("hello")
    assert hidden.value.code == 50001
    sent = await chan("announcements").send("the bot's role may post here")
    assert fake.state.messages[sent.id]["content"] == "the bot's role may post here"

    # injected faults on a concrete path
    history = club.channel("history")
    fake.fail("POST", f"/channels/{history.id}/messages", 404, body={"message": "Unknown Channel", "code": 10003})
    with pytest.raises(discord.NotFound) as nf:
        await chan("history").send("x")
    assert nf.value.code == 10003
    fake.fail("POST", CHANNEL_MESSAGES, 403, times=None)  # forever, every channel
    for _ in range(2):
        with pytest.raises(discord.Forbidden):
            await chan("history").send("x")
    fake.clear_faults()

    # a 502 once: discord.py retries (after 1 s) and succeeds
    fake.fail("POST", CHANNEL_MESSAGES, 502, times=1)
    msg = await chan("history").send(embed=discord.Embed(title="On this day", description="1871: the Commune"))
    assert fake.state.messages_in(history.id)[-1]["id"] == str(msg.id)
    statuses = [r.status for r in fake.state.find_requests("POST", f"/channels/{history.id}/messages")]
    assert statuses == [404, 403, 403, 502, 200]

    # and the world can change mid-test: deny the bot in #history through its role
    bot_role = next(r for r in club.roles.values() if r.bot_id == fake.state.bot.id)
    history.overwrites.append(Overwrite(id=bot_role.id, type=OVERWRITE_ROLE, deny=SEND_MESSAGES))
    with pytest.raises(discord.Forbidden):
        await chan("history").send("x")


async def test_world_changes_reach_the_bot(fake: FakeDiscord, bot: SelfCheckBot) -> None:
    st = fake.state
    club = st.guild("People's History Club")
    history = club.channel("history")
    bot_role = next(r for r in club.roles.values() if r.bot_id == st.bot.id)

    history.overwrites.append(Overwrite(id=bot_role.id, type=OVERWRITE_ROLE, deny=SEND_MESSAGES))
    await fake.channel_changed(history.id)
    guild = bot.get_guild(club.id)
    assert guild is not None
    await fake.wait_for(lambda: not guild.get_channel(history.id).permissions_for(guild.me).send_messages, 2, "update")  # type: ignore[union-attr]

    bot_role.permissions |= MANAGE_GUILD
    await fake.role_changed(club, bot_role.id)
    await fake.wait_for(lambda: guild.me.guild_permissions.manage_guild, 2, "role update")

    general = club.channel("general")
    await fake.channel_deleted(general.id)
    await fake.wait_for(lambda: guild.get_channel(general.id) is None, 2, "channel delete")
    with pytest.raises(discord.NotFound):
        await bot.get_partial_messageable(general.id).send("gone")

    new = st.add_guild("Late Joiners", st.owner)
    new.add_channel("welcome")
    st.guilds.pop(new.id)
    await fake.guild_join(new)
    await fake.wait_for(lambda: bot.joined == [new.id], 2, "on_guild_join")
    await fake.guild_leave(new)
    await fake.wait_for(lambda: bot.get_guild(new.id) is None, 2, "guild removed")


async def test_callback_after_three_seconds_is_refused(fake: FakeDiscord, bot: SelfCheckBot) -> None:
    fake.interaction_deadline = 0.1  # Discord's 3 s, shortened
    rec = await fake.slash("sleepy")
    await fake.wait_for(lambda: bot.late_errors, 3, "the bot seeing 10062")
    assert bot.late_errors == [10062]
    assert rec.callback is None
    assert len(rec.late_callbacks) == 1


async def test_multipart_upload_is_parsed(fake: FakeDiscord, bot: SelfCheckBot) -> None:
    channel = bot.get_channel(fake.state.guild("People's History Club").channel("history").id)
    assert isinstance(channel, discord.TextChannel)
    await channel.send("with a file", file=discord.File(io.BytesIO(b"1871"), filename="commune.txt"))
    (req,) = fake.state.find_requests("POST", CHANNEL_MESSAGES)
    assert req.files == ["commune.txt"]
    assert req.body["content"] == "with a file"
    assert req.body["attachments"] == [{"id": 0, "filename": "commune.txt"}]
    assert req.problems == []


async def test_invalid_bodies_get_400_and_are_recorded(fake: FakeDiscord, bot: SelfCheckBot) -> None:
    fake.expect_invalid_bodies = True
    app_id = fake.state.application_id
    bad = [{"name": "Bad Name", "description": "x" * 101, "type": 1}]
    with pytest.raises(discord.HTTPException) as exc:
        await bot.http.bulk_upsert_global_commands(app_id, bad)  # type: ignore[arg-type]
    assert exc.value.status == 400
    assert exc.value.code == 50035
    put = fake.state.find_requests("PUT", CMDS)[-1]
    assert any("does not match" in p for p in put.problems)
    assert any("description" in p for p in put.problems)
    # the good registration from startup is untouched
    assert {c["name"] for c in fake.state.global_commands} >= {"ok"}

    channel = bot.get_channel(fake.state.guild("People's History Club").channel("general").id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as exc2:
        await channel.send("x" * 2001)
    assert exc2.value.status == 400


async def test_member_without_manage_server_payload(fake: FakeDiscord) -> None:
    # the interaction payloads carry member permissions computed from roles and overwrites
    st = fake.state
    club = st.guild("People's History Club")
    for who, expected in (("moderator", True), ("reader", False), ("newcomer", False), ("owner", True)):
        p = payloads.command_interaction(
            st, "settings", [], guild=club, channel_id=club.channel("general").id, invoker=st.user(who)
        )
        assert bool(int(p["member"]["permissions"]) & MANAGE_GUILD) is expected, who
        assert p["type"] == 2
        assert p["data"]["type"] == 1
    p = payloads.command_interaction(
        st, "x", [], guild=club, channel_id=club.channel("mods-only").id, invoker=st.user("reader")
    )
    assert p["member"]["permissions"] == "0"  # cannot even view the channel


# ---------------------------------------------------------------- subprocesses


def _python() -> str:
    return sys.executable


async def _spawn(*args: str, env: dict[str, str], cwd: str | None = None) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        _python(),
        *args,
        env={**os.environ, **env},
        cwd=cwd or str(REPO_ROOT),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _stop(proc: asyncio.subprocess.Process) -> tuple[int, bytes]:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    try:
        _, err = await asyncio.wait_for(proc.communicate(), 5)
    except TimeoutError:
        proc.kill()
        _, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, err


async def test_trivial_bot_subprocess(fake: FakeDiscord, spawn_bot: SpawnBot) -> None:
    bot = await spawn_bot("bench/trivial_bot.py")
    await fake.wait_for_ready(within=15)
    put = await fake.wait_for_request("PUT", CMDS, within=5)
    assert [c["name"] for c in put.body] == ["ok"]

    rec = await fake.slash("ok")
    assert (await fake.wait_for_callback(rec)).body["data"]["content"] == "ok"

    await fake.drop_gateway()
    await fake.wait_for_resume(within=5)
    fake.fail("POST", CALLBACK, 429, times=1, retry_after=0.1)
    rec = await fake.slash("ok", guild="Reading Circle", channel="daily", user="reader")
    await fake.wait_for_callback(rec, within=5)
    assert [r.status for r in fake.state.find_requests("POST", CALLBACK)] == [200, 429, 200]
    assert len(fake.received_ops(2)) == 1

    t0 = time.monotonic()
    assert await bot.stop() == 0, bot.log()[-2000:]
    assert time.monotonic() - t0 < 5
    await fake.wait_for(lambda: not fake.connections, 2, "gateway closed")  # SIGTERM closed the websocket


async def test_standalone_fake_process_drives_trivial_bot() -> None:
    fake_proc = await _spawn("-m", "fakediscord", "--heartbeat-ms", "500", env={}, cwd=str(REPO_ROOT / "tests"))
    bot_proc = None
    try:
        assert fake_proc.stdout is not None
        line = await asyncio.wait_for(fake_proc.stdout.readline(), 10)
        info = json.loads(line)
        assert info["api_url"].startswith("http://127.0.0.1:")
        bot_proc = await _spawn("bench/trivial_bot.py", env={**info["env"], "DISCORD_TOKEN": info["token"]})
        control = info["control_url"]
        async with aiohttp.ClientSession() as s:
            deadline = time.monotonic() + 15
            while True:  # wait until the bot is connected: READY and the GUILD_CREATEs sent
                async with s.get(control + "/info") as r:
                    sessions = (await r.json())["sessions"]
                if any(x["connected"] and x["seq"] >= 4 for x in sessions):
                    break
                assert time.monotonic() < deadline, "bot never connected to the gateway"
                await asyncio.sleep(0.05)
            async with s.post(control + "/slash", json={"name": "ok", "user": "reader"}) as r:
                result = await r.json()
                assert r.status == 200, result
            async with s.get(control + "/requests") as r:
                assert [q["route"] for q in await r.json()][:3] == ["/users/@me", "/oauth2/applications/@me", CMDS]
        assert result["callback"]["body"]["data"]["content"] == "ok"
        assert result["latency"] > 0
    finally:
        if bot_proc is not None:
            code, err = await _stop(bot_proc)
            assert code == 0, err.decode()[-2000:]
        code, err = await _stop(fake_proc)
        assert code == 0, err.decode()[-2000:]
