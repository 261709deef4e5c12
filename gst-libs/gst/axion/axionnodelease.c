/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The node lease holder: one thread that acquires a node from a store
 * (PostgreSQL: axionnodeleasepg.c, Redis: axionnodeleaseredis.c), renews
 * it every third of its length, and tells the id generator how long it may
 * make ids on it. Timing needs no agreement between clocks: the lease ends
 * on the store ttl after the store ran the request, and here 0.9 ttl after
 * the request was sent (earlier, whatever the network delay); the cap on
 * the ids' time part is this host's clock at sending + ttl, kept in the
 * store for the node's next holder.
 *
 * Until the first lease the generator makes no id (it was put in lease
 * mode at start): a store that does not answer is retried, backing off
 * from a tenth of the lease to AXION_NODE_LEASE_RETRY_MAX_MS, and never
 * replaced by the local node rule, which can collide with another host.
 * Only a store that can never lease (not migrated, credentials refused)
 * sends the generator back to its local node, with a message.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionnodelease-private.h"

#include <unistd.h>

GST_DEBUG_CATEGORY (axion_node_lease_debug);
#define GST_CAT_DEFAULT axion_node_lease_debug

struct _AxionNodeLease
{
  GThread *thread;
  GMutex lock;
  GCond cond;
  gboolean stopping;
  gint node;      /* -1: none */
  gboolean local; /* the store cannot lease: the generator's local node */
  AxionNodeLeaseCounts counts;
  /* the thread's own */
  const AxionNodeLeaseStore *ops;
  gpointer store;
  gchar *holder;
  GstAxionIdGenerator *gen;
  guint ttl_ms;
  gint64 floor_ms; /* the previous holder's cap: our ids are later */
  /* monotonic: our ids stop then unless renewed (written under lock) */
  gint64 valid_until_us;
};

static void
set_valid_until (AxionNodeLease *l, gint64 until_us)
{
  g_mutex_lock (&l->lock);
  l->valid_until_us = until_us;
  g_mutex_unlock (&l->lock);
}

static void
set_node (AxionNodeLease *l, gint node)
{
  g_mutex_lock (&l->lock);
  l->node = node;
  g_cond_broadcast (&l->cond);
  g_mutex_unlock (&l->lock);
}

static void
count (AxionNodeLease *l, guint64 *counter)
{
  g_mutex_lock (&l->lock);
  (*counter)++;
  g_mutex_unlock (&l->lock);
}

static AxionLeaseStep
acquire (AxionNodeLease *l, const gchar **why)
{
  gint64 sent_us = g_get_monotonic_time ();
  gint64 cap_ms = g_get_real_time () / 1000 + l->ttl_ms;
  gint node = -1;
  AxionLeaseStep step = l->ops->acquire (
      l->store, l->holder, l->ttl_ms, cap_ms, &node, &l->floor_ms, why);

  if (step != AXION_LEASE_OK)
    return step;
  /* the store ends the lease ttl after it ran the request; we stop a
   * tenth earlier than ttl after sending it */
  set_valid_until (l, sent_us + (gint64) l->ttl_ms * 900);
  gst_axion_id_generator_set_lease (
      l->gen, node, l->floor_ms, cap_ms, l->valid_until_us);
  set_node (l, node);
  count (l, &l->counts.acquired);
  GST_INFO ("node lease: node %d acquired from %s (ids after %" G_GINT64_FORMAT
            " ms, lease %u ms)",
      node, l->ops->name, l->floor_ms, l->ttl_ms);
  return AXION_LEASE_OK;
}

static AxionLeaseStep
renew (AxionNodeLease *l)
{
  gint64 sent_us = g_get_monotonic_time ();
  gint64 cap_ms = g_get_real_time () / 1000 + l->ttl_ms;
  gboolean held = FALSE;
  AxionLeaseStep step = l->ops->renew (
      l->store, l->node, l->holder, l->ttl_ms, cap_ms, &held);

  if (step != AXION_LEASE_OK)
    return step;
  if (held) {
    set_valid_until (l, sent_us + (gint64) l->ttl_ms * 900);
    gst_axion_id_generator_set_lease (
        l->gen, l->node, l->floor_ms, cap_ms, l->valid_until_us);
    count (l, &l->counts.renewed);
    return AXION_LEASE_OK;
  }
  /* our lease had run out and another process took the node: the
   * generator stopped making ids on it already (its lease time is shorter
   * than the store's); a new node now */
  gst_axion_id_generator_revoke_lease (l->gen);
  GST_WARNING ("node lease: node %d was taken by another process after our "
               "lease ran out; acquiring another",
      l->node);
  set_node (l, -1);
  count (l, &l->counts.lost);
  return AXION_LEASE_OK; /* acquire at once */
}

/* the store can never lease: the generator's local node, said once */
static void
go_local (AxionNodeLease *l, const gchar *why)
{
  g_message ("axion: %s: event ids use this host's local node rule, which "
             "is unsafe when several hosts write to one database "
             "(docs/scaling.md)",
      why);
  gst_axion_id_generator_use_local_node (l->gen);
  g_mutex_lock (&l->lock);
  l->local = TRUE;
  g_cond_broadcast (&l->cond);
  g_mutex_unlock (&l->lock);
}

/* gives the node back: no more ids on it, and the next holder starts
 * after our last one (not after the cap) */
static void
release (AxionNodeLease *l)
{
  gint64 last;

  if (l->node < 0)
    return;
  last = MAX (gst_axion_id_generator_revoke_lease (l->gen), l->floor_ms);
  l->ops->release (l->store, l->node, l->holder, last);
}

static gpointer
lease_thread (AxionNodeLease *l)
{
  gint64 renew_us = (gint64) l->ttl_ms * 1000 / 3;
  /* a renewal must land within the lease: retried at this pace */
  gint64 retry_us = CLAMP ((gint64) l->ttl_ms * 1000 / 10, 50000, 1000000);
  gint64 backoff_us = retry_us;

  g_mutex_lock (&l->lock);
  while (!l->stopping) {
    const gchar *why = NULL;
    AxionLeaseStep step;
    gboolean had = l->node >= 0;
    gint64 next;

    g_mutex_unlock (&l->lock);
    step = had ? renew (l) : acquire (l, &why);
    g_mutex_lock (&l->lock);
    if (step == AXION_LEASE_LOCAL) {
      g_mutex_unlock (&l->lock);
      go_local (l, why);
      g_mutex_lock (&l->lock);
      break;
    }
    if (step == AXION_LEASE_RETRY) {
      l->counts.failures++;
      /* renewing: the same pace; acquiring: backing off (a store away
       * for minutes is asked every AXION_NODE_LEASE_RETRY_MAX_MS) */
      next = g_get_monotonic_time () + (had ? retry_us : backoff_us);
      if (!had)
        backoff_us = MIN (
            backoff_us * 2, (gint64) AXION_NODE_LEASE_RETRY_MAX_MS * 1000);
    } else {
      gint64 now = g_get_monotonic_time ();

      backoff_us = retry_us;
      /* an answer that took longer than two thirds of the lease (a
       * PgBouncer holding it while PostgreSQL starts) left less than a
       * renewal period: renew at once */
      next = now +
          (l->node < 0 || l->valid_until_us - now < renew_us ? 0 : renew_us);
    }
    while (!l->stopping && g_get_monotonic_time () < next)
      g_cond_wait_until (&l->cond, &l->lock, next);
  }
  g_mutex_unlock (&l->lock);

  release (l);
  return NULL;
}

AxionNodeLease *
axion_node_lease_start_store (const AxionNodeLeaseStore *ops, gpointer store,
    GstAxionIdGenerator *gen, guint ttl_ms)
{
  AxionNodeLease *l = g_new0 (AxionNodeLease, 1);
  gchar *uuid = g_uuid_string_random ();

  GST_DEBUG_CATEGORY_INIT (
      axion_node_lease_debug, "axionnodelease", 0, "Axion id node lease");
  g_mutex_init (&l->lock);
  g_cond_init (&l->cond);
  l->node = -1;
  l->ops = ops;
  l->store = store;
  /* who holds it, for people reading the store; unique by the uuid */
  l->holder = g_strdup_printf (
      "%s/%d/%s", g_get_host_name (), (gint) getpid (), uuid);
  g_free (uuid);
  l->gen = gen;
  l->ttl_ms = MAX (ttl_ms, 300);
  /* from now on, no id without a lease */
  gst_axion_id_generator_require_lease (gen);
  l->thread = g_thread_new ("axion-lease", (GThreadFunc) lease_thread, l);
  return l;
}

gint
axion_node_lease_wait (AxionNodeLease *l, guint timeout_ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gint node;

  g_mutex_lock (&l->lock);
  while (l->node < 0 && !l->stopping && !l->local &&
      g_cond_wait_until (&l->cond, &l->lock, until))
    ;
  node = l->node;
  g_mutex_unlock (&l->lock);
  return node;
}

gboolean
axion_node_lease_is_valid (AxionNodeLease *l)
{
  gboolean valid;

  g_mutex_lock (&l->lock);
  valid = l->local ||
      (l->node >= 0 && g_get_monotonic_time () < l->valid_until_us);
  g_mutex_unlock (&l->lock);
  return valid;
}

gboolean
axion_node_lease_is_local (AxionNodeLease *l)
{
  gboolean local;

  g_mutex_lock (&l->lock);
  local = l->local;
  g_mutex_unlock (&l->lock);
  return local;
}

const gchar *
axion_node_lease_get_store_name (AxionNodeLease *l)
{
  return l->ops->name;
}

void
axion_node_lease_get_counts (AxionNodeLease *l, AxionNodeLeaseCounts *c)
{
  g_mutex_lock (&l->lock);
  *c = l->counts;
  g_mutex_unlock (&l->lock);
}

void
axion_node_lease_stop (AxionNodeLease *l)
{
  if (l == NULL)
    return;
  g_mutex_lock (&l->lock);
  l->stopping = TRUE;
  g_cond_broadcast (&l->cond);
  g_mutex_unlock (&l->lock);
  g_thread_join (l->thread);
  l->ops->free (l->store);
  g_mutex_clear (&l->lock);
  g_cond_clear (&l->cond);
  g_free (l->holder);
  g_free (l);
}
