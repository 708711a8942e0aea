#include "proto.h"

#include <stdio.h>
#include <string.h>

int proto_decode_request(const char *line, size_t len, proto_request *out, const char **code,
                         char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_error_t jerr;
    out->msg = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!out->msg || !json_is_object(out->msg)) {
        *code = "bad_json";
        snprintf(err, errlen, "request is not a JSON object: %s",
                 out->msg ? "wrong type" : jerr.text);
        return -1;
    }
    out->id = json_object_get(out->msg, "id");
    json_t *cmd = json_object_get(out->msg, "cmd");
    json_t *args = json_object_get(out->msg, "args");
    *code = "bad_request";
    if (!json_is_string(cmd)) {
        snprintf(err, errlen, "field \"cmd\" must be a string");
        return -1;
    }
    if (args && !json_is_object(args) && !json_is_null(args)) {
        snprintf(err, errlen, "field \"args\" must be an object");
        return -1;
    }
    out->cmd = json_string_value(cmd);
    if (!json_is_object(args)) {
        args = json_object();
        json_object_set_new(out->msg, "args", args); /* owned by msg */
    }
    out->args = args;
    return 0;
}

void proto_request_free(proto_request *req)
{
    json_decref(req->msg);
    memset(req, 0, sizeof *req);
}
