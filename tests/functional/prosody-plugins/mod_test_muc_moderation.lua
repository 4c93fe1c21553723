-- mod_test_muc_moderation.lua: XEP-0425 message moderation (urn:xmpp:message-moderate:1)
-- for natter's functional tests. Prosody 0.12 has no moderation of its own; this
-- plugin gives the test server the part clients see: a moderator asks the room to
-- remove a message by its stanza-id, and the room tells every occupant with a
-- retraction from the room's own JID. (Written for these tests; the archive keeps
-- the original.)
local st = require "util.stanza";
local jid = require "util.jid";
local id = require "util.id";

local mod_muc = module:depends("muc");
local xmlns_moderate = "urn:xmpp:message-moderate:1";
local xmlns_retract = "urn:xmpp:message-retract:1";

module:hook("muc-disco#info", function(event)
	event.reply:tag("feature", { var = xmlns_moderate }):up();
end);

module:hook("iq-set/bare/" .. xmlns_moderate .. ":moderate", function(event)
	local stanza, origin = event.stanza, event.origin;
	local room = mod_muc.get_room_from_jid(jid.bare(stanza.attr.to));
	if not room then
		origin.send(st.error_reply(stanza, "cancel", "item-not-found"));
		return true;
	end
	local actor = room:get_occupant_jid(stanza.attr.from);
	if not actor or room:get_role(actor) ~= "moderator" then
		origin.send(st.error_reply(stanza, "auth", "forbidden", "Only moderators may do that"));
		return true;
	end
	local moderate = stanza.tags[1];
	local target = moderate.attr.id;
	if not target then
		origin.send(st.error_reply(stanza, "modify", "bad-request", "No message id"));
		return true;
	end
	local reason = moderate:get_child_text("reason");
	local notice = st.message({ type = "groupchat", from = room.jid, id = id.medium() })
		:tag("retract", { xmlns = xmlns_retract, id = target })
			:tag("moderated", { xmlns = xmlns_moderate, by = actor }):up();
	if reason then
		notice:text_tag("reason", reason);
	end
	notice:up();
	notice:tag("fallback", { xmlns = "urn:xmpp:fallback:0", ["for"] = xmlns_retract }):up();
	notice:text_tag("body", "This message has been removed by a moderator.");
	room:broadcast_message(notice);
	origin.send(st.reply(stanza));
	return true;
end);
