/* xmlguard.c - refuses what RFC 6120 (section 11.1) forbids in an XMPP
 * stream before the XML parser acts on it: a document type declaration
 * (whose entities the parser would otherwise expand, "billion laughs"
 * included), comments and processing instructions.
 *
 * libstrophe parses with expat and offers no way to configure its parser.
 * natter therefore provides expat's XML_Parse itself: the dynamic linker
 * binds libstrophe's calls to this definition, which installs handlers
 * that stop the parser at the first forbidden construct and then calls
 * expat's own XML_Parse. A stopped parser makes libstrophe log a parse
 * error, which conn.c turns into closing the connection at once. */
#include "xmpp/internal.h"

#include <dlfcn.h>
#include <expat.h>

typedef enum XML_Status (*parse_fn)(XML_Parser, const char *, int, int);

static XML_Parser parsing;  /* the parser inside the current XML_Parse call */
static unsigned long fed;   /* bytes handed to the parser so far */
static const char *refused; /* what was refused last (static), or NULL */
static const char *failed;  /* expat's reason for the last failure (static) */

static void refuse(const char *what)
{
    if (!refused)
        refused = what;
    if (parsing)
        XML_StopParser(parsing, XML_FALSE);
}

static void on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                       int has_internal_subset)
{
    refuse("a document type declaration");
}

static void on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value, int len,
                      const XML_Char *base, const XML_Char *sysid, const XML_Char *pubid,
                      const XML_Char *notation)
{
    refuse("an entity declaration");
}

static void on_comment(void *ud, const XML_Char *data)
{
    refuse("a comment");
}

static void on_pi(void *ud, const XML_Char *target, const XML_Char *data)
{
    refuse("a processing instruction");
}

/* expat's XML_Parse, reached through natter's (below) so that every
 * parser libstrophe feeds is guarded. */
enum XML_Status XML_Parse(XML_Parser p, const char *s, int len, int is_final)
{
    static parse_fn real;
    if (!real)
        real = (parse_fn)dlsym(RTLD_NEXT, "XML_Parse");
    if (!real)
        return XML_STATUS_ERROR;
    XML_SetStartDoctypeDeclHandler(p, on_doctype);
    XML_SetEntityDeclHandler(p, on_entity);
    XML_SetCommentHandler(p, on_comment);
    XML_SetProcessingInstructionHandler(p, on_pi);
    XML_Parser outer = parsing;
    parsing = p;
    fed += len > 0 ? (unsigned long)len : 0;
    enum XML_Status rc = real(p, s, len, is_final);
    parsing = outer;
    if (rc == XML_STATUS_ERROR && !refused)
        failed = XML_ErrorString(XML_GetErrorCode(p));
    return rc;
}

unsigned long nx_xml_bytes_fed(void)
{
    return fed;
}

char *nx_xml_error_take(void)
{
    char *why = NULL;
    if (refused)
        why = g_strdup_printf("the server sent %s, which XMPP forbids", refused);
    else if (failed)
        why = g_strdup_printf("the server sent malformed XML (%s)", failed);
    else
        why = g_strdup("the server sent malformed XML");
    refused = failed = NULL;
    return why;
}
