#include "json_time.h"
#include "timeutil.h"

json_t *json_date_or_null(int64_t t_us, const char *tz)
{
    if (t_us < 0)
        return json_null();
    char buf[48];
    time_format_iso(t_us, tz, buf, sizeof buf);
    return json_string(buf);
}

json_t *json_time_or_null(int64_t t_us, const char *tz)
{
    return t_us <= 0 ? json_null() : json_date_or_null(t_us, tz);
}
