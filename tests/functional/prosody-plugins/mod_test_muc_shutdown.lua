-- mod_test_muc_shutdown.lua: lets natter's functional tests play a group chat
-- service that shuts down and comes back. Prosody 0.12 never tells occupants
-- that its MUC service is going away (XEP-0045 status 332); this plugin does,
-- for one room, on request of the room's owner:
--   <iq type='set' to='ROOM'><shutdown xmlns='urn:natter:test:muc-shutdown'
--        seconds='N'/></iq>
-- removes every occupant with status 332 and refuses joins to that room with
-- service-unavailable for N seconds, as a restarting service would.
-- (Written for these tests.)
local st = require "util.stanza";
local jid = require "util.jid";

local mod_muc = module:depends("muc");
local xmlns_shutdown = "urn:natter:test:muc-shutdown";
local closed_until = {};

module:hook("iq-set/bare/" .. xmlns_shutdown .. ":shutdown", function(event)
	local stanza, origin = event.stanza, event.origin;
	local room = mod_muc.get_room_from_jid(jid.bare(stanza.attr.to));
	if not room then
		origin.send(st.error_reply(stanza, "cancel", "item-not-found"));
		return true;
	end
	if room:get_affiliation(stanza.attr.from) ~= "owner" then
		origin.send(st.error_reply(stanza, "auth", "forbidden", "Only owners may do that"));
		return true;
	end
	local seconds = tonumber(stanza.tags[1].attr.seconds) or 0;
	closed_until[room.jid] = os.time() + seconds;
	origin.send(st.reply(stanza));
	local x = st.stanza("x", { xmlns = "http://jabber.org/protocol/muc#user" })
		:tag("status", { code = "332" }):up();
	room:clear(x);
	return true;
end);

module:hook("muc-occupant-pre-join", function(event)
	local until_time = closed_until[event.room.jid];
	if until_time and os.time() < until_time then
		event.origin.send(st.error_reply(event.stanza, "cancel", "service-unavailable",
			"The service is restarting", event.room.jid));
		return true;
	end
end, 100);
