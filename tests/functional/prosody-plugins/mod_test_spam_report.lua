-- Test-only: log the XEP-0377 reports that come with blocking requests, so
-- the functional tests can see what natter reported (Prosody 0.12 has no
-- module for spam reports). Nothing is answered here: mod_blocklist does.
local jid_prep = require "util.jid".prep;

module:depends("blocklist");
module:add_feature("urn:xmpp:reporting:1");

module:hook("iq-set/self/urn:xmpp:blocking:block", function (event)
	for item in event.stanza.tags[1]:childtags("item") do
		local report = item:get_child("report", "urn:xmpp:reporting:1");
		if report then
			module:log("info", "test-spam-report: %s reported %s as %s",
				event.origin.username, tostring(jid_prep(item.attr.jid)),
				tostring(report.attr.reason));
		end
	end
end, 10);
