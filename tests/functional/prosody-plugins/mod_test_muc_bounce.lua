-- mod_test_muc_bounce.lua: lets natter's functional tests make a room lose
-- contact with an occupant, as when a stanza to it bounces because its
-- connection dropped or its server restarted. On request of the room's owner:
--   <iq type='set' to='ROOM'><bounce xmlns='urn:natter:test:muc-bounce'
--        nick='NICK'/></iq>
-- hands the room an error (recipient-unavailable) from NICK's real JID;
-- Prosody's own MUC code then removes NICK with status 333, as it does
-- during a restart. (Written for these tests.)
local st = require "util.stanza";
local jid = require "util.jid";

local mod_muc = module:depends("muc");
local xmlns_bounce = "urn:natter:test:muc-bounce";

module:hook("iq-set/bare/" .. xmlns_bounce .. ":bounce", function(event)
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
	local nick = stanza.tags[1].attr.nick or "";
	local occupant = room:get_occupant_by_nick(room.jid .. "/" .. nick);
	if not occupant then
		origin.send(st.error_reply(stanza, "cancel", "item-not-found", "No such occupant"));
		return true;
	end
	origin.send(st.reply(stanza));
	local bounce = st.message({ type = "error", from = occupant.jid, to = room.jid })
		:tag("error", { type = "cancel" })
		:tag("recipient-unavailable", { xmlns = "urn:ietf:params:xml:ns:xmpp-stanzas" });
	room:handle_message_to_room(origin, bounce);
	return true;
end);
