-- Test-only: a group chat service that pages its room list (XEP-0059 result set
-- management on disco#items), as large public services do; Prosody 0.12 sends the
-- whole list at once. Load it on the MUC component. A query without <set/> is left
-- to mod_muc.
local st = require "util.stanza";

local mod_muc = module:depends("muc");
local xmlns_items = "http://jabber.org/protocol/disco#items";
local xmlns_rsm = "http://jabber.org/protocol/rsm";

module:hook("iq-get/host/" .. xmlns_items .. ":query", function(event)
	local stanza, origin = event.stanza, event.origin;
	local query = stanza.tags[1];
	local set = query:get_child("set", xmlns_rsm);
	if not set or query.attr.node then return; end
	local rooms = {};
	for room in mod_muc.all_rooms() do
		if room:get_public() and not room:get_members_only() then
			table.insert(rooms, room);
		end
	end
	table.sort(rooms, function (a, b) return a.jid < b.jid; end);
	local max = tonumber(set:get_child_text("max")) or #rooms;
	local after = set:get_child_text("after");
	local start = 1;
	if after then
		start = #rooms + 1;
		for i, room in ipairs(rooms) do
			if room.jid == after then start = i + 1; break; end
		end
	end
	local reply = st.reply(stanza):query(xmlns_items);
	local first, last;
	for i = start, math.min(#rooms, start + max - 1) do
		local room = rooms[i];
		reply:tag("item", { jid = room.jid, name = room:get_name() }):up();
		first = first or room.jid;
		last = room.jid;
	end
	reply:tag("set", { xmlns = xmlns_rsm });
	if first then
		reply:tag("first", { index = tostring(start - 1) }):text(first):up();
		reply:tag("last"):text(last):up();
	end
	reply:tag("count"):text(tostring(#rooms)):up();
	origin.send(reply);
	return true;
end, 100);
