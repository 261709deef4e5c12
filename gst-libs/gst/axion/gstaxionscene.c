/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionscene.h"
#include "gstaxionframemeta.h"

/**
 * gst_axion_scene_hashes_key:
 * @prefix: key prefix, e.g. "axion"
 * @camera_id: the camera
 *
 * Returns: (transfer full): "<prefix>:scene:<camera_id>:hashes"
 */
gchar *
gst_axion_scene_hashes_key (const gchar *prefix, const gchar *camera_id)
{
  g_return_val_if_fail (prefix != NULL && camera_id != NULL, NULL);
  return g_strdup_printf ("%s:scene:%s:hashes", prefix, camera_id);
}

/**
 * gst_axion_scene_hash_member:
 * @scene_hash: a scene hash
 * @out: 17 bytes: the sorted-set member (16 lowercase hex digits)
 */
void
gst_axion_scene_hash_member (guint64 scene_hash, gchar out[17])
{
  gst_axion_hash64_to_hex (scene_hash, out);
}

/**
 * gst_axion_scene_is_recent:
 * @last_seen_s: when the scene was last seen (Unix s), < 0 for never
 * @now_s: now (Unix s)
 * @window_s: the duplicate window (s), e.g. 300
 *
 * Returns: %TRUE when the scene was seen within the window
 */
gboolean
gst_axion_scene_is_recent (gdouble last_seen_s, gdouble now_s, gdouble window_s)
{
  return last_seen_s >= 0 && now_s - last_seen_s <= window_s;
}

struct _GstAxionSceneIndex
{
  GMutex lock;
  GHashTable *seen; /* "camera\nhash" -> gdouble* last seen */
  gdouble max_age_s;
  gdouble last_prune_s;
};

/**
 * gst_axion_scene_index_new: (skip)
 * @max_age_s: entries older than this are forgotten (3600 like Redis)
 *
 * Returns: (transfer full): an empty in-process index (thread-safe)
 */
GstAxionSceneIndex *
gst_axion_scene_index_new (gdouble max_age_s)
{
  GstAxionSceneIndex *idx = g_new0 (GstAxionSceneIndex, 1);

  g_mutex_init (&idx->lock);
  idx->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  idx->max_age_s = max_age_s;
  return idx;
}

void
gst_axion_scene_index_free (GstAxionSceneIndex *idx)
{
  if (idx == NULL)
    return;
  g_hash_table_unref (idx->seen);
  g_mutex_clear (&idx->lock);
  g_free (idx);
}

/**
 * gst_axion_scene_index_check_and_add:
 * @index: an index
 * @camera_id: the camera
 * @scene_hash: the frame's scene hash
 * @now_s: now (Unix s)
 * @window_s: the duplicate window (s)
 *
 * Records the scene as seen now (as ZADD does in Redis).
 *
 * Returns: %TRUE when the scene had been seen within @window_s before
 */
gboolean
gst_axion_scene_index_check_and_add (GstAxionSceneIndex *idx,
    const gchar *camera_id, guint64 scene_hash, gdouble now_s, gdouble window_s)
{
  gchar hex[17], *k;
  gdouble *last;
  gboolean recent;

  g_return_val_if_fail (idx != NULL && camera_id != NULL, FALSE);

  gst_axion_scene_hash_member (scene_hash, hex);
  k = g_strconcat (camera_id, "\n", hex, NULL);
  g_mutex_lock (&idx->lock);
  /* forget old entries now and then (bounded memory, like the TTL) */
  if (now_s - idx->last_prune_s > idx->max_age_s / 4) {
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init (&it, idx->seen);
    while (g_hash_table_iter_next (&it, NULL, &v))
      if (now_s - *(gdouble *) v > idx->max_age_s)
        g_hash_table_iter_remove (&it);
    idx->last_prune_s = now_s;
  }
  last = g_hash_table_lookup (idx->seen, k);
  recent = last && gst_axion_scene_is_recent (*last, now_s, window_s);
  if (last) {
    *last = now_s;
    g_free (k);
  } else {
    last = g_new (gdouble, 1);
    *last = now_s;
    g_hash_table_insert (idx->seen, k, last);
  }
  g_mutex_unlock (&idx->lock);
  return recent;
}
