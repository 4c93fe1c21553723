/* cmd-files.c - /upload: share a file in the current chat or room. */
#include <stdlib.h>
#include <string.h>

#include "cmd/internal.h"
#include "files/transfer.h"
#include "ui/ui.h"

static cmd_result upload_list(void)
{
    const GPtrArray *all = files_uploads();
    if (all->len == 0) {
        ui_info("No uploads running.");
        return CMD_OK;
    }
    for (guint i = 0; i < all->len; i++) {
        const upload_info *u = g_ptr_array_index(all, i);
        char *done = g_format_size(u->done), *size = g_format_size(u->size);
        ui_info("  %u: %s to %s, %s (%s of %s)", u->num, u->name, u->peer,
                u->sending ? "sending" : "waiting for the server", done, size);
        g_free(done);
        g_free(size);
    }
    return CMD_OK;
}

static cmd_result cmd_upload(char **argv, int argc, const char *jid)
{
    if (argc == 0)
        return cmd_fail("Usage: /upload PATH | -list | -cancel N");
    if (!strcmp(argv[0], "-list")) {
        if (argc > 1)
            return cmd_fail("Usage: /upload -list");
        return upload_list();
    }
    if (!strcmp(argv[0], "-cancel")) {
        char *end = NULL;
        unsigned long n = argc == 2 ? strtoul(argv[1], &end, 10) : 0;
        if (argc != 2 || !end || *end || n == 0 || n > G_MAXUINT)
            return cmd_fail("Usage: /upload -cancel N (/upload -list shows the numbers)");
        char *err = NULL;
        if (!files_cancel((unsigned)n, &err))
            return cmd_fail_err(NULL, err);
        return CMD_OK;
    }
    if (!jid)
        return cmd_fail("/upload sends the file to the chat or room of the window: open one first");
    /* The path is the rest of the line: names with spaces need no quotes. */
    char *path = g_strjoinv(" ", argv);
    unsigned num = 0;
    char *err = NULL;
    bool ok = files_upload(jid, path, &num, &err);
    g_free(path);
    if (!ok)
        return cmd_fail_err("Cannot upload", err);
    return CMD_OK;
}

static const char *const upload_settings[] = {"transfer_rate_limit", NULL};

static const cmd_def defs[] = {
    {
        .name = "upload",
        .args = "PATH | -list | -cancel N",
        .summary = "Share a file in this chat or room (HTTP File Upload)",
        .help = "Uploads the file to your server's upload service (XEP-0363) and sends its\n"
                "link, which other clients show inline. Progress shows in the window and the\n"
                "status bar; chatting goes on meanwhile. -list shows running uploads and their\n"
                "numbers, -cancel N stops one. Example: /upload ~/Pictures/cat.png",
        .max_words = 2,
        .rest = CMD_REST_VALUE, /* a path with spaces needs no quotes */
        .complete = {COMPLETE_PATH},
        .topic = "chat",
        .example = "/upload ~/Pictures/cat.png",
        .settings = upload_settings,
        .run = cmd_upload,
    },
};

void cmd_files_register(void)
{
    cmd_register(defs, G_N_ELEMENTS(defs));
}
