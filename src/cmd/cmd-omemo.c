/* cmd-omemo.c - /omemo: end-to-end encryption of one-to-one chats and of
 * members-only, non-anonymous rooms (on or off per chat, remembered),
 * fingerprints and devices. */
#include <string.h>

#include "cmd/internal.h"
#include "cmd/qr.h"
#include "e2e/e2e.h"
#include "model/jid.h"
#include "model/muc.h"
#include "ui/ui.h"
#include "xmpp/xmpp.h"

/* The bare JID a subcommand is about: ARG, else the chat it was typed in. */
static char *target(const char *arg, const char *jid, char **err)
{
    const char *who = arg ? arg : jid;
    jid_t *j = who ? jid_new(who) : NULL;
    if (!j) {
        *err = g_strdup(who ? "not a valid JID" : "type it in a chat, or name the JID");
        return NULL;
    }
    char *bare = g_strdup(j->bare);
    jid_free(j);
    return bare;
}

static cmd_result omemo_switch(bool on, const char *jid)
{
    if (!jid)
        return cmd_fail("/omemo %s works in a chat window", on ? "on" : "off");
    if (strchr(jid, '/'))
        return cmd_fail("OMEMO in private chats with room occupants is not supported");
    char *err = NULL;
    bool room = muc_room_find(jid) != NULL;
    if (room && on && !e2e_room_fits(jid, &err))
        return cmd_fail_err("Not turned on", err);
    if (!e2e_set_chat(jid, on, &err))
        return cmd_fail_err("Not changed", err);
    ui_info("%s", on ? (room ? "OMEMO is on: messages in this room are sent end-to-end encrypted "
                               "to every member's devices, never in plain text."
                             : "OMEMO is on: messages in this chat are sent end-to-end encrypted, "
                               "never in plain text.")
                     : "OMEMO is off: messages in this chat are sent unencrypted.");
    ui_redraw();
    return CMD_OK;
}

static void show_devices(const char *bare, bool own)
{
    GPtrArray *devs = e2e_devices(bare);
    uint32_t me = e2e_own_device();
    if (devs->len == 0)
        ui_info("No OMEMO device of %s is known.", bare);
    for (guint i = 0; i < devs->len; i++) {
        e2e_device *d = g_ptr_array_index(devs, i);
        bool self = own && d->id == me;
        ui_info("  %u%s: %s (%s%s)", d->id, d->active ? "" : " (not in the list any more)",
                d->fingerprint ? d->fingerprint : "identity not known yet",
                self ? "this device" : d->trust,
                self         ? ""
                : d->session ? ", session"
                             : ", no session yet");
        g_free(d->fingerprint);
        g_free(d);
    }
    g_ptr_array_unref(devs);
}

/* In a room: the devices of each member. */
static void show_members(const char *room)
{
    GPtrArray *members = e2e_room_members(room);
    if (members->len == 0)
        ui_info("No member of %s is known by their real JID.", room);
    for (guint i = 0; i < members->len; i++) {
        const char *m = g_ptr_array_index(members, i);
        ui_info("OMEMO devices of %s (member of %s):", m, room);
        show_devices(m, false);
    }
    g_ptr_array_unref(members);
}

static cmd_result cmd_omemo(char **argv, int argc, const char *jid)
{
    const char *sub = argc > 0 ? argv[0] : "status";
    const char *own = nx_own_bare();
    if (!strcmp(sub, "on") || !strcmp(sub, "off")) {
        if (argc > 1)
            return cmd_fail_extra("omemo", "on|off");
        return omemo_switch(!strcmp(sub, "on"), jid);
    }
    if (!strcmp(sub, "status")) {
        if (!e2e_own_device())
            ui_info("OMEMO is not set up yet (it starts when you are connected).");
        else
            ui_info("OMEMO: this device is %u.", e2e_own_device());
        if (jid && !strchr(jid, '/'))
            ui_info("This chat is %s.",
                    e2e_chat_enabled(jid) ? "encrypted (OMEMO)" : "not encrypted");
        char *why = NULL;
        if (jid && muc_room_find(jid) && !e2e_room_fits(jid, &why))
            ui_info("It cannot be: %s.", why);
        g_free(why);
        return CMD_OK;
    }
    if (!strcmp(sub, "fingerprint") || !strcmp(sub, "devices")) {
        if (argc > 2)
            return cmd_fail_extra("omemo", "fingerprint|devices [JID]");
        if (!e2e_own_device())
            return cmd_fail("OMEMO is not set up yet (it starts when you are connected)");
        if (argc == 1 && !strcmp(sub, "devices") && jid && muc_room_find(jid)) {
            show_members(jid);
            return CMD_OK;
        }
        char *err = NULL;
        char *bare = argc > 1                      ? target(argv[1], NULL, &err)
                     : !strcmp(sub, "fingerprint") ? g_strdup(own)
                                                   : target(NULL, jid, &err);
        if (!bare)
            return cmd_fail_err(NULL, err);
        bool mine = own && jid_bare_equal(bare, own);
        if (!strcmp(sub, "fingerprint") && mine) {
            char *fp = e2e_own_fingerprint();
            ui_info("Your fingerprint (device %u): %s", e2e_own_device(), fp);
            g_free(fp);
        }
        if (!strcmp(sub, "devices") || !mine) {
            ui_info("OMEMO devices of %s:", bare);
            show_devices(bare, mine);
        }
        g_free(bare);
        return CMD_OK;
    }
    if (!strcmp(sub, "qr")) {
        if (argc > 1)
            return cmd_fail_extra("omemo", "qr");
        if (!e2e_own_device() || !own)
            return cmd_fail("OMEMO is not set up yet (it starts when you are connected)");
        /* What Conversations scans to verify this device (XEP-0384 asks
         * for no format; this is the one clients share). */
        char *fp = e2e_own_fingerprint();
        char **groups = g_strsplit(fp, " ", -1);
        char *hex = g_strjoinv("", groups);
        char *uri = g_strdup_printf("xmpp:%s?omemo-sid-%u=%s", own, e2e_own_device(), hex);
        char *err = NULL;
        char **lines = qr_lines(uri, &err);
        g_strfreev(groups);
        g_free(hex);
        g_free(fp);
        if (!lines) {
            g_free(uri);
            return cmd_fail_err(NULL, err);
        }
        ui_info("Scan this with the phone (Conversations: verify with QR code): %s", uri);
        for (char **l = lines; *l; l++)
            ui_info("%s", *l);
        g_strfreev(lines);
        g_free(uri);
        return CMD_OK;
    }
    if (!strcmp(sub, "trust") || !strcmp(sub, "untrust")) {
        if (argc < 3)
            return cmd_fail("Usage: /omemo %s JID FINGERPRINT", sub);
        char *err = NULL;
        char *bare = target(argv[1], NULL, &err);
        if (!bare)
            return cmd_fail_err(NULL, err);
        uint32_t device = 0;
        bool verify = !strcmp(sub, "trust");
        /* The fingerprint as shown: in groups, so several words. */
        char *fp = g_strjoinv(" ", argv + 2);
        bool ok = e2e_trust(bare, fp, verify, &device, &err);
        g_free(fp);
        if (!ok) {
            g_free(bare);
            return cmd_fail_err("Not changed", err);
        }
        ui_info(verify ? "Device %u of %s is verified: from now on only verified devices of %s "
                         "are encrypted for."
                       : "Device %u of %s is untrusted: nothing is encrypted for it any more.",
                device, bare, bare);
        g_free(bare);
        ui_redraw();
        return CMD_OK;
    }
    return cmd_fail("Usage: /omemo [on | off | status | fingerprint [JID] | devices [JID] | "
                    "trust JID FINGERPRINT | untrust JID FINGERPRINT]");
}

static const char *const omemo_choices[] = {"on",    "off",     "status", "fingerprint", "devices",
                                            "trust", "untrust", "qr",     NULL};
static const char *const omemo_settings[] = {"omemo_policy", "omemo_trust", NULL};

static const cmd_def defs[] = {
    {
        .name = "omemo",
        .args = "[on | off | status | fingerprint [JID] | devices [JID] | trust JID FP | "
                "untrust JID FP | qr]",
        .summary = "End-to-end encryption (OMEMO) of chats and members-only rooms",
        .help = "on/off: send this chat's messages encrypted or not (remembered per chat;\n"
                "the default comes from omemo_policy). In an encrypted chat nothing is ever\n"
                "sent in plain text: when no device of the contact can be encrypted for,\n"
                "natter says why and sends nothing. In a room (only members-only and\n"
                "non-anonymous ones) messages go to every member's devices; members\n"
                "without a usable device are named. fingerprint: yours, or a contact's\n"
                "devices' (compare them with what the contact reads out). devices: the\n"
                "OMEMO devices of JID (default: this chat's contact, in a room its members),\n"
                "fingerprints and trust.\n"
                "trust: the device of JID with that fingerprint is verified; from then on\n"
                "only verified devices of JID are used (blind trust ends; see omemo_trust).\n"
                "untrust: never encrypt for that device again. qr: this device's\n"
                "verification link (xmpp:JID?omemo-sid-ID=FINGERPRINT) as a QR code for a\n"
                "phone to scan (drawn for a dark background).",
        .choices = omemo_choices,
        .complete = {COMPLETE_CHOICES, COMPLETE_JID},
        .max_words = CMD_WORDS_ANY,
        .topic = "chat",
        .example = "/omemo on",
        .settings = omemo_settings,
        .run = cmd_omemo,
    },
};

/* Register /omemo. */
void cmd_omemo_register(void)
{
    cmd_register(defs, G_N_ELEMENTS(defs));
}
