-- mod_test_login_gap.lua: lets natter's functional tests put a message in
-- the moment between a client's first archive query and its initial
-- presence. When alice's session sends its initial presence, before the
-- server handles it, a chat message from bob to alice's bare JID is routed:
-- the session is not available yet, so the server archives the message and
-- keeps it offline, and (as both Prosody and ejabberd do for a session that
-- queried its archive before its presence) does not push it afterwards.
-- (Written for these tests.)
local st = require "util.stanza";
local uuid = require "util.uuid";

local count = 0;

module:hook("pre-presence/bare", function(event)
	local stanza, origin = event.stanza, event.origin;
	if stanza.attr.to or stanza.attr.type or origin.type ~= "c2s" or origin.presence then
		return;
	end
	if origin.username ~= "alice" then
		return;
	end
	count = count + 1;
	module:send(st.message({ type = "chat", id = uuid.generate(), to = "alice@" .. module.host,
			from = "bob@" .. module.host .. "/gap" })
		:tag("body"):text("sent while alice logs in " .. count));
end, 100);
