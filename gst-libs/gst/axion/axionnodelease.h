/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internal (not installed): holds this process's id node as a lease from
 * a thread of its own, and grants it to an id generator
 * (gst_axion_id_generator_set_lease()). Two stores: PostgreSQL (table
 * axion_node_leases, sql/005_node_leases.sql; one statement per
 * transaction and no session state: works through PgBouncer in
 * transaction pooling) and Redis (SET NX PX, renewed by a compare-and-
 * renew script). Linked as a static library where libpq or hiredis is
 * found; AXION_NODE_LEASE_PG / AXION_NODE_LEASE_REDIS say which.
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

#ifdef AXION_NODE_LEASE_PG
/* Starts holding a lease for @gen (which from now on makes ids only while
 * it holds one) with @conninfo (NULL or empty: the PG* environment),
 * @ttl_ms long. While PostgreSQL does not answer, @gen makes no id; the
 * holder retries (backing off to AXION_NODE_LEASE_RETRY_MAX_MS) until it
 * does. When the database answers that it has no lease table (not
 * migrated) or refuses the connection, @gen goes back to its local node
 * with a warning. */
AxionNodeLease *axion_node_lease_start (
    const gchar *conninfo, GstAxionIdGenerator *gen, guint ttl_ms);
#endif

#ifdef AXION_NODE_LEASE_REDIS
/* The same with Redis at @url (redis://, rediss://, unix://), keys under
 * @prefix (NULL: "axion:") + "node-lease:". When Redis refuses the
 * credentials or the db number, @gen goes back to its local node with a
 * warning. */
AxionNodeLease *axion_node_lease_start_redis (const gchar *url,
    const gchar *prefix, GstAxionIdGenerator *gen, guint ttl_ms);
#endif

/* The longest wait between two attempts to take a first lease from a
 * store that does not answer (from a tenth of the lease, doubling) */
#define AXION_NODE_LEASE_RETRY_MAX_MS 2000

/* The leased node, waiting at most @timeout_ms for it; -1 when none (yet,
 * or lost, or the store can never lease: local node, see
 * axion_node_lease_is_local()). */
gint axion_node_lease_wait (AxionNodeLease *l, guint timeout_ms);

/* TRUE while ids can be made: the node's lease was renewed in time (or
 * the local node). FALSE before the first lease, and from 0.9 of the
 * lease after the last renewal that reached the store until the next. */
gboolean axion_node_lease_is_valid (AxionNodeLease *l);

/* TRUE when the store can never lease (not migrated, or it refused us):
 * the generator went back to its local node */
gboolean axion_node_lease_is_local (AxionNodeLease *l);

/* "PostgreSQL" or "Redis" */
const gchar *axion_node_lease_get_store_name (AxionNodeLease *l);

void axion_node_lease_get_counts (AxionNodeLease *l, AxionNodeLeaseCounts *c);

/* Stops making ids on the node, gives it back (so the next holder starts
 * after our last id, not after the cap) and frees @l. */
void axion_node_lease_stop (AxionNodeLease *l);

G_END_DECLS

#endif
