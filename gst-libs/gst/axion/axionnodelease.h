/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internal (not installed): holds this process's id node as a lease in
 * PostgreSQL (table axion_node_leases, sql/005_node_leases.sql) from a
 * thread of its own, and grants it to an id generator
 * (gst_axion_id_generator_set_lease()). One statement per transaction and
 * no session state: works through PgBouncer in transaction pooling.
 * Linked as a static library where libpq is found.
 */
#ifndef __AXION_NODE_LEASE_H__
#define __AXION_NODE_LEASE_H__

#include <gst/axion/gstaxionid.h>

G_BEGIN_DECLS

typedef struct _AxionNodeLease AxionNodeLease;

typedef struct
{
  guint64 acquired; /* leases obtained (the first, and after a loss) */
  guint64 renewed;  /* renewals that succeeded */
  guint64 lost;     /* renewals refused: another holder had taken it */
  guint64 failures; /* connects or statements that failed (retried) */
} AxionNodeLeaseCounts;

/* Default lease length; renewed every third of it. A process that cannot
 * renew for ~0.9 of it stops making ids; a crashed process's node is free
 * again after it. */
#define AXION_NODE_LEASE_DEFAULT_TTL_MS 60000

/* Starts holding a lease for @gen (which from now on makes ids only while
 * it holds one) with @conninfo (NULL or empty: the PG* environment),
 * @ttl_ms long. When the database answers that it has no lease table (not
 * migrated), @gen goes back to its local node with a warning. */
AxionNodeLease *axion_node_lease_start (
    const gchar *conninfo, GstAxionIdGenerator *gen, guint ttl_ms);

/* The leased node, waiting at most @timeout_ms for it; -1 when none (yet,
 * or lost, or the database has no lease table: local node). */
gint axion_node_lease_wait (AxionNodeLease *l, guint timeout_ms);

/* Before a first lease only (the database is unreachable at start): the
 * generator goes back to its local node (unsafe with several hosts, see
 * docs/scaling.md) and the holder stops trying. */
void axion_node_lease_give_up (AxionNodeLease *l);

void axion_node_lease_get_counts (AxionNodeLease *l, AxionNodeLeaseCounts *c);

/* Stops making ids on the node, gives it back (so the next holder starts
 * after our last id, not after the cap) and frees @l. */
void axion_node_lease_stop (AxionNodeLease *l);

G_END_DECLS

#endif
