/* cmd-files.c - /upload: share a file in the current chat or room;
 * /download, /open and /url: the files others shared. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/internal.h"
#include "files/download.h"
#include "files/transfer.h"
#include "store/attachments.h"
#include "config/settings.h"
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
        ui_info("  %u: %s to %s%s, %s (%s of %s)", u->num, u->name, u->peer,
                u->encrypted ? " (encrypted)" : "",
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

/* N as a positive number, or 0 (also when it is too big to count). */
static long long number(const char *s)
{
    char *end = NULL;
    errno = 0;
    long long n = s ? strtoll(s, &end, 10) : 0;
    return end && end != s && !*end && errno != ERANGE && n > 0 ? n : 0;
}

static cmd_result download_list(void)
{
    const GPtrArray *all = files_downloads();
    if (all->len == 0) {
        ui_info("No downloads running.");
        return CMD_OK;
    }
    for (guint i = 0; i < all->len; i++) {
        const download_info *d = g_ptr_array_index(all, i);
        char *done = g_format_size(d->done), *size = d->size ? g_format_size(d->size) : NULL;
        ui_info("  %u: %s into %s (%s of %s)", d->num, d->name, d->path, done, size ? size : "?");
        g_free(done);
        g_free(size);
    }
    return CMD_OK;
}

static cmd_result cmd_download(char **argv, int argc, const char *jid)
{
#define DOWNLOAD_USAGE "Usage: /download N [PATH] | -list | -cancel N"
    if (argc == 0)
        return cmd_fail(DOWNLOAD_USAGE);
    if (!strcmp(argv[0], "-list")) {
        if (argc > 1)
            return cmd_fail("Usage: /download -list");
        return download_list();
    }
    if (!strcmp(argv[0], "-cancel")) {
        long long n = argc == 2 ? number(argv[1]) : 0;
        if (n == 0 || n > G_MAXUINT)
            return cmd_fail("Usage: /download -cancel N (/download -list shows the numbers)");
        char *err = NULL;
        if (!files_download_cancel((unsigned)n, &err))
            return cmd_fail_err("Cannot cancel", err);
        return CMD_OK;
    }
    long long id = number(argv[0]);
    if (id == 0)
        return cmd_fail(DOWNLOAD_USAGE);
    /* The path is the rest of the line: names with spaces need no quotes. */
    char *path = argc > 1 ? g_strjoinv(" ", argv + 1) : NULL;
    unsigned num = 0;
    char *err = NULL;
    bool ok = files_download(id, path, &num, &err);
    g_free(path);
    if (!ok)
        return cmd_fail_err("Cannot download", err);
    /* Progress and the result show with the file's message: say where
     * when that is another window. */
    store_attachment *a = store_attachment_get(id);
    if (a && a->peer && g_strcmp0(a->peer, jid) != 0)
        ui_info("Downloading %s (file %lld): progress and result show in the window of %s.",
                a->name, id, a->peer);
    store_attachment_free(a);
    return CMD_OK;
}

static cmd_result cmd_open(char **argv, int argc, const char *jid)
{
    long long id = argc == 1 ? number(argv[0]) : 0;
    if (id == 0)
        return cmd_fail("Usage: /open N (the number of a downloaded file)");
    char *err = NULL;
    if (!files_open(id, &err))
        return cmd_fail_err("Cannot open", err);
    return CMD_OK;
}

static cmd_result cmd_url(char **argv, int argc, const char *jid)
{
    long long id = argc == 1 ? number(argv[0]) : 0;
    if (id == 0)
        return cmd_fail("Usage: /url N (the number of a file)");
    store_attachment *a = store_attachment_get(id);
    if (!a)
        return cmd_fail_err("Cannot show the link", g_strdup_printf("there is no file %lld", id));
    ui_info("File %lld: %s", id, a->url);
    if (settings_get_bool("osc52_copy")) {
        ui_clipboard_copy(a->url);
        ui_info("Copied to the clipboard.");
    }
    store_attachment_free(a);
    return CMD_OK;
}

static const char *const upload_settings[] = {"transfer_rate_limit", NULL};
static const char *const download_settings[] = {"download_dir", "transfer_rate_limit", NULL};
static const char *const open_settings[] = {"open_command", NULL};
static const char *const url_settings[] = {"osc52_copy", NULL};

static const cmd_def defs[] = {
    {
        .name = "upload",
        .args = "PATH | -list | -cancel N",
        .summary = "Share a file in this chat or room (HTTP File Upload)",
        .help = "Uploads the file to your server's upload service (XEP-0363) and sends its\n"
                "link, which other clients show inline. Progress shows in the window and the\n"
                "status bar; chatting goes on meanwhile. -list shows running uploads and their\n"
                "numbers, -cancel N stops one. In an OMEMO chat the file is encrypted as it\n"
                "is uploaded and its aesgcm:// link goes inside an encrypted message only.\n"
                "Example: /upload ~/Pictures/cat.png",
        .max_words = 2,
        .rest = CMD_REST_VALUE, /* a path with spaces needs no quotes */
        .complete = {COMPLETE_PATH},
        .topic = "chat",
        .example = "/upload ~/Pictures/cat.png",
        .settings = upload_settings,
        .run = cmd_upload,
    },
    {
        .name = "download",
        .args = "N [PATH] | -list | -cancel N",
        .summary = "Save a file someone shared (the number on its File line)",
        .help = "Files linked in messages show as a line \"File N: name\"; nothing is fetched\n"
                "until you ask. /download N saves file N in download_dir (or in PATH: a\n"
                "folder, or a new file name; a relative PATH is in download_dir), never\n"
                "replacing a file: a taken name becomes \"name (1).ext\". aesgcm:// files\n"
                "are decrypted and checked; a file that does not match its key is not kept.\n"
                "-list shows running downloads, -cancel N stops one.",
        .max_words = 2,
        .rest = CMD_REST_VALUE,
        .complete = {COMPLETE_NONE, COMPLETE_PATH},
        .topic = "chat",
        .example = "/download 3",
        .settings = download_settings,
        .run = cmd_download,
    },
    {
        .name = "open",
        .args = "N",
        .summary = "Open a downloaded file with open_command",
        .help = "Runs open_command (default xdg-open) with the saved file of file N as its\n"
                "last argument, without a shell. Only files on disk are opened, never links.",
        .max_words = 1,
        .topic = "chat",
        .example = "/open 3",
        .settings = open_settings,
        .run = cmd_open,
    },
    {
        .name = "url",
        .args = "N",
        .summary = "Show the link of file N",
        .help = "Prints the link of file N; with osc52_copy on, also copies it to the\n"
                "terminal's clipboard (OSC 52). An aesgcm:// link holds the file's key.",
        .max_words = 1,
        .topic = "chat",
        .example = "/url 3",
        .settings = url_settings,
        .run = cmd_url,
    },
};

void cmd_files_register(void)
{
    cmd_register(defs, G_N_ELEMENTS(defs));
}
