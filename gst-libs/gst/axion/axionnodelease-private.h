/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internal: what a node lease store does for the holder thread of
 * axionnodelease.c (PostgreSQL: axionnodeleasepg.c, Redis:
 * axionnodeleaseredis.c). Every call runs on the holder thread, connects
 * when it has to, and answers within a few seconds.
 */
#ifndef __AXION_NODE_LEASE_PRIVATE_H__
#define __AXION_NODE_LEASE_PRIVATE_H__

#include "axionnodelease.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (axion_node_lease_debug);

typedef enum
{
  AXION_LEASE_OK,
  AXION_LEASE_RETRY, /* no answer, or all nodes held: again soon */
  AXION_LEASE_LOCAL, /* the store can never lease (not migrated, refused) */
} AxionLeaseStep;

typedef struct
{
  const gchar *name; /* "PostgreSQL", "Redis": for messages */
  /* a free node for @holder until @ttl_ms from now (the store's clock);
   * *@floor_ms: the previous holder's cap, our ids start after it. LOCAL
   * sets *@why (static text) */
  AxionLeaseStep (*acquire) (gpointer store, const gchar *holder, guint ttl_ms,
      gint64 cap_ms, gint *node, gint64 *floor_ms, const gchar **why);
  /* extends @holder's lease on @node; *@held FALSE: another holder took
   * it (ours had expired) */
  AxionLeaseStep (*renew) (gpointer store, gint node, const gchar *holder,
      guint ttl_ms, gint64 cap_ms, gboolean *held);
  /* gives @node back: the next holder starts after @last_ms */
  void (*release) (
      gpointer store, gint node, const gchar *holder, gint64 last_ms);
  void (*free) (gpointer store);
} AxionNodeLeaseStore;

AxionNodeLease *axion_node_lease_start_store (const AxionNodeLeaseStore *ops,
    gpointer store, GstAxionIdGenerator *gen, guint ttl_ms);

G_END_DECLS

#endif
