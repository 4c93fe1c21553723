-- Benchmark-only Prosody module (tests/bench/muc.py), loaded on the MUC
-- component of the group-chat benchmark's own Prosody and nowhere else.
--
-- The benchmark fills rooms with its own occupant sessions, "bots": accounts
-- named "u" + digits, logged in by tests/bench/muc_swarm.py.  Two shortcuts
-- keep Prosody from being the bottleneck; neither changes a byte of what the
-- client under test receives.
--
-- 1. Quiet joins.  Filling a room the normal way costs N*(N-1)/2 presence
--    deliveries (each join is announced to everyone already in): about 130 s
--    of Prosody CPU for 1,000 occupants on the development machine.  A bot's
--    join is saved in the room exactly as a normal join saves it (same stored
--    presence, occupant-id, role, affiliation), but it is not announced to
--    the other occupants and the bot gets no occupant list, only its own
--    presence (status 110) so it knows it is in.  The first join of a room
--    (which creates it) is never quiet.
--
-- 2. Groupchat messages are not delivered to bots.  Prosody spends about
--    95 us per delivery, so 10,000 messages in a room of 200 would cost it
--    about 190 s of CPU whatever the client; the room still lists, counts and
--    stores (history) everything as usual, and every other occupant (the
--    client under test) gets each message exactly as before.
--
-- Anyone else joins, leaves and talks the normal way; presence changes of
-- the client under test are announced to all occupants, bots included.

local st = require "util.stanza";
local jid_split = require "util.jid".split;

local bot_cache = {};
local function is_bot(jid)
	local v = bot_cache[jid];
	if v == nil then
		local user = jid_split(jid);
		v = (user and user:match("^u%d+$")) and true or false;
		bot_cache[jid] = v;
	end
	return v;
end

module:hook("muc-occupant-pre-join", function (event)
	local room, stanza, occupant = event.room, event.stanza, event.occupant;
	if event.is_new_room then return; end
	local real_jid = stanza.attr.from;
	if not is_bot(real_jid) then return; end
	if room:get_occupant_by_nick(occupant.nick) then return; end -- nick taken: normal path
	occupant:set_session(real_jid, stanza);
	room:save_occupant(occupant);
	local self_p = st.presence({ from = occupant.nick; to = real_jid })
		:tag("x", { xmlns = "http://jabber.org/protocol/muc#user" })
			:tag("item", { affiliation = room:get_affiliation(occupant.bare_jid) or "none";
				role = occupant.role })
			:up()
			:tag("status", { code = "110" }):up()
		:up();
	room:route_stanza(self_p);
	module:fire_event("muc-occupant-joined", {
		room = room; nick = occupant.nick; occupant = occupant;
		stanza = stanza; origin = event.origin;
	});
	return true;
end, -100);

-- After the history hook (priority 0); replaces the default broadcast.
module:hook("muc-broadcast-message", function (event)
	local room, stanza = event.room, event.stanza;
	for _, occupant in pairs(room._occupants) do
		if not is_bot(occupant.bare_jid) then
			room:route_to_occupant(occupant, stanza);
		end
	end
	return true;
end, -100);
