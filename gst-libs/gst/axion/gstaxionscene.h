/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_SCENE_H__
#define __GST_AXION_SCENE_H__

#include <gst/axion/axion-prelude.h>

G_BEGIN_DECLS

/**
 * SECTION:gstaxionscene
 * @title: Scene hash index
 *
 * "Was this scene seen recently?" — the duplicate check shared by
 * axionredissink (which keeps the index in Redis) and axionclaude (which
 * skips frames whose scene was analysed within a window).
 *
 * In Redis the index is the schema document's sorted set
 * `<prefix>:scene:<camera>:hashes` (§2.5): member = the scene hash as 16
 * lowercase hex digits, score = Unix seconds it was last seen. A scene is
 * a duplicate when `ZSCORE key member` is within the window.
 * gst_axion_scene_hashes_key() and gst_axion_scene_hash_member() give the
 * exact key and member, gst_axion_scene_is_recent() the decision.
 *
 * Without Redis, #GstAxionSceneIndex is the same index in process memory.
 */

GST_AXION_API
gchar *gst_axion_scene_hashes_key (const gchar *prefix, const gchar *camera_id);

GST_AXION_API
void gst_axion_scene_hash_member (guint64 scene_hash, gchar out[17]);

GST_AXION_API
gboolean gst_axion_scene_is_recent (
    gdouble last_seen_s, gdouble now_s, gdouble window_s);

typedef struct _GstAxionSceneIndex GstAxionSceneIndex;

GST_AXION_API
GstAxionSceneIndex *gst_axion_scene_index_new (gdouble max_age_s);

GST_AXION_API
void gst_axion_scene_index_free (GstAxionSceneIndex *index);

GST_AXION_API
gboolean gst_axion_scene_index_check_and_add (GstAxionSceneIndex *index,
    const gchar *camera_id, guint64 scene_hash, gdouble now_s,
    gdouble window_s);

G_END_DECLS

#endif /* __GST_AXION_SCENE_H__ */
