/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_ID_H__
#define __GST_AXION_ID_H__

#include <gst/axion/axion-prelude.h>

G_BEGIN_DECLS

/**
 * SECTION:gstaxionid
 * @title: Event ids
 *
 * Axion generates the ids of the rows it writes (camera_events.event_id,
 * frame_metadata.metadata_id, claude_analyses.analysis_id, alerts.alert_id,
 * ...) in the pipeline instead of taking them from database sequences. This
 * is what makes retries idempotent (INSERT ... ON CONFLICT DO NOTHING) and
 * lets a Claude analysis reference its trigger event before either row is
 * committed.
 *
 * An id is a positive signed 64-bit integer (it fits PostgreSQL BIGINT):
 *
 * |[
 *  63 62                                          22 21      17 16     10 9 0
 * +--+----------------------------------------------+----------+---------+---------+
 * | 0|  milliseconds since 2024-01-01T00:00:00Z (41) | host (5) | slot (7)| seq
 * (10)|
 * +--+----------------------------------------------+----------+---------+---------+
 * ]|
 *
 * - time: 41 bits of milliseconds since the Axion epoch
 *   (%GST_AXION_ID_EPOCH_UNIX_MS), enough until the year 2093. Ids sort by
 *   creation time across processes (to the millisecond).
 * - host (5 bits): `AXION_HOST_ID` (0..31) from the environment when set,
 *   otherwise a hash of /etc/machine-id (or the host name). Set
 *   `AXION_HOST_ID` to a distinct value on each host when several hosts
 *   write to one database: derived host bits of two hosts collide with
 *   probability 1/32.
 * - slot (7 bits): claimed per process with an exclusive lock on a file in
 *   `$AXION_ID_LOCK_DIR` (default `$XDG_RUNTIME_DIR/axion-ids` or
 *   `/tmp/axion-ids-$UID`), so up to 128 processes on one host never share
 *   a slot; the lock dies with the process. `AXION_NODE_ID` (0..4095)
 *   overrides host and slot together.
 * - node (host and slot, 12 bits) from a lease: a process that writes to a
 *   shared database leases its node there instead (tools/axion-run does,
 *   table axion_node_leases, sql/005_node_leases.sql) so that no two live
 *   processes on any hosts hold one node. Its generator then requires a
 *   lease (gst_axion_id_generator_require_lease()): without a valid one it
 *   makes no id (never a duplicate), and each lease bounds the time part of
 *   its ids (a cap) so that the node's next holder starts after it, whatever
 *   the two hosts' clocks say. See docs/scaling.md.
 * - seq (10 bits): counter within the millisecond. When 1024 ids were
 *   taken in one millisecond the generator borrows the next millisecond,
 *   so ids stay unique and strictly increasing (at most ~1M ids/s per
 *   process before the time part runs ahead of the wall clock).
 *
 * When the wall clock steps backwards the generator keeps using the last
 * time it issued (ids stay strictly increasing within a process) until the
 * clock catches up again, and logs that once.
 */

/**
 * GST_AXION_ID_EPOCH_UNIX_MS:
 *
 * The Axion id epoch, 2024-01-01T00:00:00Z, in milliseconds since the Unix
 * epoch.
 */
#define GST_AXION_ID_EPOCH_UNIX_MS G_GINT64_CONSTANT (1704067200000)

#define GST_AXION_ID_TIME_BITS 41
#define GST_AXION_ID_NODE_BITS 12
#define GST_AXION_ID_SEQ_BITS 10
#define GST_AXION_ID_MAX_NODE ((1 << GST_AXION_ID_NODE_BITS) - 1)

typedef struct _GstAxionIdGenerator GstAxionIdGenerator;

GST_AXION_API
GstAxionIdGenerator *gst_axion_id_generator_new (guint node_id);

GST_AXION_API
void gst_axion_id_generator_free (GstAxionIdGenerator *gen);

GST_AXION_API
gint64
gst_axion_id_generator_next_at (GstAxionIdGenerator *gen, gint64 unix_ms);

GST_AXION_API
guint64 gst_axion_id_generator_get_clock_regressions (GstAxionIdGenerator *gen);

GST_AXION_API
gboolean gst_axion_id_generator_try_next_at (
    GstAxionIdGenerator *gen, gint64 unix_ms, gint64 *id);

GST_AXION_API
GstAxionIdGenerator *gst_axion_id_generator_get_default (void);

GST_AXION_API
void gst_axion_id_generator_require_lease (GstAxionIdGenerator *gen);

GST_AXION_API
void gst_axion_id_generator_set_lease (GstAxionIdGenerator *gen, guint node_id,
    gint64 floor_unix_ms, gint64 cap_unix_ms, gint64 valid_until_us);

GST_AXION_API
gint64 gst_axion_id_generator_revoke_lease (GstAxionIdGenerator *gen);

GST_AXION_API
void gst_axion_id_generator_use_local_node (GstAxionIdGenerator *gen);

GST_AXION_API
guint64 gst_axion_id_generator_get_lease_waits (GstAxionIdGenerator *gen);

GST_AXION_API
gint64 gst_axion_id_next (void);

GST_AXION_API
gint64 gst_axion_id_get_unix_ms (gint64 id);

GST_AXION_API
guint gst_axion_id_get_node (gint64 id);

GST_AXION_API
guint gst_axion_id_get_sequence (gint64 id);

G_END_DECLS

#endif /* __GST_AXION_ID_H__ */
