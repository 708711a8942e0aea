/* libFuzzer target: the wire protocol's request decoder. A good request has a
 * string cmd and an object args; a bad one a code and a message; either way
 * the message is released. */
#include "proto.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    proto_request req;
    const char *code = NULL;
    char err[300] = "";
    int rc = proto_decode_request((const char *)data, size, &req, &code, err, sizeof err);
    if (rc == 0) {
        if (!req.msg || !req.cmd || !json_is_object(req.args))
            abort();
        if (req.id && json_object_get(req.msg, "id") != req.id)
            abort();
        /* What the agent does next: read args, echo the id in the reply. */
        char *dump = json_dumps(req.msg, JSON_COMPACT);
        if (!dump)
            abort();
        free(dump);
        json_t *reply = json_pack("{s:O?,s:b,s:s}", "id", req.id, "ok", 1, "cmd", req.cmd);
        if (!reply)
            abort();
        json_decref(reply);
    } else {
        if (rc != -1 || !code || !err[0])
            abort();
        if (strcmp(code, "bad_json") != 0 && strcmp(code, "bad_request") != 0)
            abort();
    }
    proto_request_free(&req);
    return 0;
}
