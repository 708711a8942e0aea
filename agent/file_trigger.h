/* File triggers ([dag] trigger_files = DIR/GLOB): each file that is closed
 * after writing (IN_CLOSE_WRITE) or moved in (IN_MOVED_TO) creates one run
 * file__<when it was seen>. inotify is read on the loop through a uv_poll_t:
 * uv_fs_event reports only "change" and "rename", which cannot tell a file
 * still being written from one that was closed. A file is known by (path,
 * size, mtime), kept in the store with the run it made in one transaction:
 * it triggers once, across restarts too; files that arrived while the
 * agent was down (or before) trigger when their watch is armed; a queue
 * overflow rescans the folder. */
#ifndef DAGD_FILE_TRIGGER_H
#define DAGD_FILE_TRIGGER_H

#include "agent.h"

/* Arm, re-arm (the glob changed) or drop the watch of every DAG after a
 * load or reload; the runs of files found are created, and started by the
 * caller's next pass. */
void file_triggers_sync(agent *ag);
/* Shutdown: close every watch (before the loop's handles are walked). */
void file_triggers_stop(agent *ag);
/* Whether PATH is still the file recorded as (SIZE, MTIME_NS): then its
 * record must stay, even once its run is gone, or it would trigger again.
 * An error other than a missing file counts as unchanged. */
bool file_trigger_unchanged(const char *path, int64_t size, int64_t mtime_ns);

#endif
