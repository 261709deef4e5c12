/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionid.h"
#include "gstaxion-private.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define SLOT_BITS 7
#define HOST_BITS (GST_AXION_ID_NODE_BITS - SLOT_BITS)
#define N_SLOTS (1 << SLOT_BITS)
#define SEQ_MAX ((1 << GST_AXION_ID_SEQ_BITS) - 1)
#define TIME_MAX ((G_GINT64_CONSTANT (1) << GST_AXION_ID_TIME_BITS) - 1)

struct _GstAxionIdGenerator
{
  GMutex lock;
  guint node;
  gint64 last_ms;      /* time part of the last id (ms since epoch) */
  gint64 last_wall_ms; /* newest wall clock seen (ms since epoch) */
  guint seq;
  guint64 regressions;
  gboolean warned_regression;
  /* default generator only: re-claim a node after fork () */
  gboolean is_default;
  gint forks_seen;
  /* lease mode (gst_axion_id_generator_require_lease ()): ids only while
   * a lease is held, i.e. before valid_until_us (monotonic) and with a
   * time part <= cap_ms (ms since the Axion epoch) */
  GCond lease_cond;
  gboolean lease_required;
  gboolean leased;
  gint64 valid_until_us;
  gint64 cap_ms;
  guint64 lease_waits;
};

/* fork () calls in this process's ancestry line, counted in the child
 * (ids are made per event: no getpid () system call per id) */
static gint forks;

static guint gst_axion_id_claim_node (gchar **how);

static void
on_fork_child (void)
{
  g_atomic_int_inc (&forks);
}

GstDebugCategory *
_gst_axion_lib_debug_get (void)
{
  static GstDebugCategory *cat = NULL;

  if (g_once_init_enter (&cat)) {
    GstDebugCategory *c = _gst_debug_category_new (
        "axionlib", 0, "Axion metadata library");
    g_once_init_leave (&cat, c);
  }
  return cat;
}

/**
 * gst_axion_id_generator_new: (skip)
 * @node_id: the generator's node, 0..%GST_AXION_ID_MAX_NODE
 *
 * Not in the bindings (an opaque struct without a boxed type): use
 * gst_axion_id_next().
 *
 * Returns: (transfer full): a generator; free with
 *   gst_axion_id_generator_free()
 */
GstAxionIdGenerator *
gst_axion_id_generator_new (guint node_id)
{
  GstAxionIdGenerator *gen;

  g_return_val_if_fail (node_id <= GST_AXION_ID_MAX_NODE, NULL);

  gen = g_new0 (GstAxionIdGenerator, 1);
  g_mutex_init (&gen->lock);
  g_cond_init (&gen->lease_cond);
  gen->node = node_id;
  gen->last_ms = -1;
  gen->last_wall_ms = -1;
  gen->forks_seen = g_atomic_int_get (&forks);
  return gen;
}

void
gst_axion_id_generator_free (GstAxionIdGenerator *gen)
{
  if (gen == NULL)
    return;
  g_mutex_clear (&gen->lock);
  g_cond_clear (&gen->lease_cond);
  g_free (gen);
}

guint64
gst_axion_id_generator_get_clock_regressions (GstAxionIdGenerator *gen)
{
  guint64 n;

  g_return_val_if_fail (gen != NULL, 0);
  g_mutex_lock (&gen->lock);
  n = gen->regressions;
  g_mutex_unlock (&gen->lock);
  return n;
}

/* Notes a wall clock that went backwards (once per call). */
static void
track_wall_clock_locked (GstAxionIdGenerator *gen, gint64 t)
{
  if (t < gen->last_wall_ms) {
    gen->regressions++;
    if (!gen->warned_regression) {
      GST_WARNING ("wall clock went back by %" G_GINT64_FORMAT " ms; ids keep "
                   "the last issued time until it catches up",
          gen->last_wall_ms - t);
      gen->warned_regression = TRUE;
    }
  } else {
    gen->last_wall_ms = t;
  }
}

static gboolean
lease_valid_locked (GstAxionIdGenerator *gen)
{
  return !gen->lease_required ||
      (gen->leased && g_get_monotonic_time () < gen->valid_until_us);
}

/* The next id at time @t (ms since the Axion epoch) into *@id; FALSE (and
 * nothing taken) when the generator needs a lease it does not hold, or
 * the id's time would pass the lease's cap. */
static gboolean
next_locked (GstAxionIdGenerator *gen, gint64 t, gint64 *id)
{
  gint64 ms;
  guint seq;

  if (gen->is_default && gen->forks_seen != g_atomic_int_get (&forks)) {
    /* We are a forked child sharing the parent's node: claim our own (a
     * leased node is the parent's: the child needs a lease of its own) */
    if (gen->lease_required)
      gen->leased = FALSE;
    else
      gen->node = gst_axion_id_claim_node (NULL);
    gen->forks_seen = g_atomic_int_get (&forks);
  }
  if (!lease_valid_locked (gen))
    return FALSE;
  if (t > gen->last_ms) {
    ms = t;
    seq = 0;
  } else if (gen->seq < SEQ_MAX) {
    ms = gen->last_ms;
    seq = gen->seq + 1;
  } else {
    /* sequence exhausted in this millisecond: borrow the next one */
    ms = gen->last_ms + 1;
    seq = 0;
  }
  if (gen->lease_required && ms > gen->cap_ms)
    return FALSE;
  gen->last_ms = ms;
  gen->seq = seq;
  *id = (ms << (GST_AXION_ID_NODE_BITS + GST_AXION_ID_SEQ_BITS)) |
      ((gint64) gen->node << GST_AXION_ID_SEQ_BITS) | seq;
  return TRUE;
}

static gint64
to_id_time (gint64 unix_ms)
{
  return CLAMP (unix_ms - GST_AXION_ID_EPOCH_UNIX_MS, 0, TIME_MAX);
}

/**
 * gst_axion_id_generator_next_at:
 * @gen: a generator
 * @unix_ms: the wall-clock time to stamp, in milliseconds since the Unix epoch
 *
 * Returns the next id as if the wall clock read @unix_ms. Ids from one
 * generator are strictly increasing whatever @unix_ms does; when @unix_ms
 * goes backwards the id keeps the newest time already issued. Thread-safe.
 *
 * A generator that requires a lease (gst_axion_id_generator_require_lease())
 * and holds none waits here until it has one: it never makes an id on a
 * node it does not hold. Use gst_axion_id_generator_try_next_at() to not
 * wait.
 *
 * Returns: a positive 64-bit id
 */
gint64
gst_axion_id_generator_next_at (GstAxionIdGenerator *gen, gint64 unix_ms)
{
  gint64 t = to_id_time (unix_ms), id = 0;
  gboolean counted = FALSE;

  g_return_val_if_fail (gen != NULL, 0);

  g_mutex_lock (&gen->lock);
  track_wall_clock_locked (gen, t);
  while (!next_locked (gen, t, &id)) {
    /* no lease (yet, or lost): wait for the lease holder's next grant;
     * a wake-up every second re-checks (a lease also ends by time) */
    if (!counted) {
      gen->lease_waits++;
      counted = TRUE;
      GST_WARNING ("no valid node lease: ids wait until the lease holder "
                   "gets one (see docs/scaling.md)");
    }
    g_cond_wait_until (
        &gen->lease_cond, &gen->lock, g_get_monotonic_time () + G_USEC_PER_SEC);
    /* the time it is now, if we waited for a renewed cap */
    t = MAX (t, to_id_time (g_get_real_time () / 1000));
  }
  g_mutex_unlock (&gen->lock);

  return id;
}

/**
 * gst_axion_id_generator_try_next_at:
 * @gen: a generator
 * @unix_ms: the wall-clock time to stamp, in milliseconds since the Unix epoch
 * @id: (out): the id
 *
 * Like gst_axion_id_generator_next_at(), but never waits.
 *
 * Returns: %FALSE (and no id taken) when @gen requires a lease and has no
 *   valid one, or when the id's time would pass the lease's cap
 */
gboolean
gst_axion_id_generator_try_next_at (
    GstAxionIdGenerator *gen, gint64 unix_ms, gint64 *id)
{
  gint64 t = to_id_time (unix_ms);
  gboolean ok;

  g_return_val_if_fail (gen != NULL && id != NULL, FALSE);

  g_mutex_lock (&gen->lock);
  track_wall_clock_locked (gen, t);
  ok = next_locked (gen, t, id);
  g_mutex_unlock (&gen->lock);
  return ok;
}

/**
 * gst_axion_id_generator_require_lease:
 * @gen: a generator
 *
 * From now on @gen makes ids only while it holds a node lease
 * (gst_axion_id_generator_set_lease()); without one, making an id waits
 * (gst_axion_id_generator_next_at()) or fails
 * (gst_axion_id_generator_try_next_at()). Used by the lease holder
 * (tools/axion-run) before its first lease.
 */
void
gst_axion_id_generator_require_lease (GstAxionIdGenerator *gen)
{
  g_return_if_fail (gen != NULL);
  g_mutex_lock (&gen->lock);
  gen->lease_required = TRUE;
  g_mutex_unlock (&gen->lock);
}

/**
 * gst_axion_id_generator_set_lease:
 * @gen: a generator
 * @node_id: the leased node (0..4095)
 * @floor_unix_ms: ids start after this time (ms since the Unix epoch): the
 *   previous holder of @node_id made none later
 * @cap_unix_ms: no id with a later time part (ms since the Unix epoch):
 *   what this holder promised the store
 * @valid_until_us: monotonic time (g_get_monotonic_time()) at which the
 *   lease ends unless renewed
 *
 * Grants (or renews) a node lease: waiting id requests go on. A new node
 * starts after @floor_unix_ms, so ids stay unique even when the previous
 * holder's clock ran ahead of ours.
 */
void
gst_axion_id_generator_set_lease (GstAxionIdGenerator *gen, guint node_id,
    gint64 floor_unix_ms, gint64 cap_unix_ms, gint64 valid_until_us)
{
  g_return_if_fail (gen != NULL);
  g_return_if_fail (node_id <= GST_AXION_ID_MAX_NODE);

  g_mutex_lock (&gen->lock);
  if (!gen->leased || gen->node != node_id) {
    gint64 floor_ms = to_id_time (floor_unix_ms);
    gen->node = node_id;
    if (floor_ms >= gen->last_ms) {
      /* the next id is later than the floor: a full sequence forces it */
      gen->last_ms = floor_ms;
      gen->seq = SEQ_MAX;
    }
  }
  gen->leased = TRUE;
  gen->cap_ms = to_id_time (cap_unix_ms);
  gen->valid_until_us = valid_until_us;
  g_cond_broadcast (&gen->lease_cond);
  g_mutex_unlock (&gen->lock);
}

/**
 * gst_axion_id_generator_revoke_lease:
 * @gen: a generator
 *
 * The lease is lost or given back: no more ids until the next
 * gst_axion_id_generator_set_lease().
 *
 * Returns: the time part of the last id made (ms since the Unix epoch), or
 *   0 when none was made: what the store may tell the next holder
 */
gint64
gst_axion_id_generator_revoke_lease (GstAxionIdGenerator *gen)
{
  gint64 last;

  g_return_val_if_fail (gen != NULL, 0);
  g_mutex_lock (&gen->lock);
  gen->leased = FALSE;
  last = gen->last_ms < 0 ? 0 : gen->last_ms + GST_AXION_ID_EPOCH_UNIX_MS;
  g_mutex_unlock (&gen->lock);
  return last;
}

/**
 * gst_axion_id_generator_use_local_node:
 * @gen: a generator
 *
 * Leaves lease mode: the store that was to lease nodes has none to give
 * (not migrated). @gen takes a node by the local rule (`AXION_NODE_ID`, or
 * host bits and a slot locked on this host), as without a lease holder.
 */
void
gst_axion_id_generator_use_local_node (GstAxionIdGenerator *gen)
{
  g_return_if_fail (gen != NULL);
  g_mutex_lock (&gen->lock);
  if (gen->lease_required) {
    gen->lease_required = FALSE;
    gen->leased = FALSE;
    gen->node = gst_axion_id_claim_node (NULL);
  }
  g_cond_broadcast (&gen->lease_cond);
  g_mutex_unlock (&gen->lock);
}

/**
 * gst_axion_id_generator_get_lease_waits:
 * @gen: a generator
 *
 * Returns: how many id requests had to wait for a lease
 */
guint64
gst_axion_id_generator_get_lease_waits (GstAxionIdGenerator *gen)
{
  guint64 n;

  g_return_val_if_fail (gen != NULL, 0);
  g_mutex_lock (&gen->lock);
  n = gen->lease_waits;
  g_mutex_unlock (&gen->lock);
  return n;
}

/* the next id of @gen, stamped with the current wall-clock time */
static gint64
gst_axion_id_generator_next (GstAxionIdGenerator *gen)
{
  return gst_axion_id_generator_next_at (gen, g_get_real_time () / 1000);
}

static gboolean
parse_env_uint (const gchar *name, guint max, guint *out)
{
  const gchar *s = g_getenv (name);
  guint64 v;

  if (s == NULL || *s == '\0')
    return FALSE;
  if (!g_ascii_string_to_unsigned (s, 10, 0, max, &v, NULL)) {
    g_warning (
        "axion: ignoring %s=\"%s\": expected an integer 0..%u", name, s, max);
    return FALSE;
  }
  *out = (guint) v;
  return TRUE;
}

static guint
derive_host_bits (void)
{
  gchar *contents = NULL;
  guint h;

  if (!g_file_get_contents ("/etc/machine-id", &contents, NULL, NULL) ||
      g_strstrip (contents)[0] == '\0') {
    g_free (contents);
    contents = g_strdup (g_get_host_name ());
  }
  /* FNV-1a, folded: machine ids are random hex, host names are not */
  h = 2166136261u;
  for (const guchar *p = (const guchar *) contents; *p; p++)
    h = (h ^ *p) * 16777619u;
  g_free (contents);
  return (h ^ (h >> 16) ^ (h >> 8)) & ((1 << HOST_BITS) - 1);
}

static gchar *
lock_dir (void)
{
  const gchar *env = g_getenv ("AXION_ID_LOCK_DIR");
  const gchar *run = g_getenv ("XDG_RUNTIME_DIR");

  if (env && *env)
    return g_strdup (env);
  if (run && *run && g_file_test (run, G_FILE_TEST_IS_DIR))
    return g_build_filename (run, "axion-ids", NULL);
  return g_strdup_printf ("/tmp/axion-ids-%u", (guint) getuid ());
}

/* Claim a slot no other live process on this host holds: an exclusive,
 * non-blocking flock on slot-N.lock. The fd stays open (the lock lives as
 * long as the process). Returns -1 when no slot could be locked. */
static gint
claim_slot (const gchar *dir)
{
  guint start = g_random_int_range (0, N_SLOTS);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    return -1;
  for (guint i = 0; i < N_SLOTS; i++) {
    guint slot = (start + i) % N_SLOTS;
    gchar *name = g_strdup_printf ("%s/slot-%03u.lock", dir, slot);
    int fd = open (name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

    g_free (name);
    if (fd < 0)
      return -1;
    if (flock (fd, LOCK_EX | LOCK_NB) == 0)
      return (gint) slot; /* fd intentionally kept open */
    close (fd);
  }
  return -1;
}

/* gst_axion_id_claim_node:
 * @how: (out) (optional) (transfer full): how the node was chosen, for logs
 *
 * Chooses this process's 12-bit node: `AXION_NODE_ID` when set, otherwise
 * host bits (`AXION_HOST_ID` or derived from the machine id) and a slot
 * locked on this host. See the section documentation for the layout.
 *
 * Returns: the node id (0..4095)
 */
static guint
gst_axion_id_claim_node (gchar **how)
{
  guint node, host;
  gint slot;
  gchar *dir;
  gboolean host_from_env;

  if (parse_env_uint ("AXION_NODE_ID", GST_AXION_ID_MAX_NODE, &node)) {
    if (how)
      *how = g_strdup_printf ("node %u from AXION_NODE_ID", node);
    return node;
  }

  host_from_env = parse_env_uint ("AXION_HOST_ID", (1 << HOST_BITS) - 1, &host);
  if (!host_from_env)
    host = derive_host_bits ();

  dir = lock_dir ();
  slot = claim_slot (dir);
  if (slot < 0) {
    slot = g_random_int_range (0, N_SLOTS);
    GST_WARNING ("could not lock an id slot in %s (%s); using random slot %d: "
                 "ids may collide with another process on this host. Set "
                 "AXION_ID_LOCK_DIR to a writable directory or AXION_NODE_ID.",
        dir, g_strerror (errno), slot);
  }
  node = (host << SLOT_BITS) | (guint) slot;
  if (how)
    *how = g_strdup_printf ("node %u (host %u %s, slot %d locked in %s)", node,
        host, host_from_env ? "from AXION_HOST_ID" : "from machine id", slot,
        dir);
  g_free (dir);
  return node;
}

/**
 * gst_axion_id_generator_get_default:
 *
 * The process-wide generator (the one gst_axion_id_next() uses), created on
 * first use with a node from gst_axion_id_claim_node(). A child process created
 * by fork() claims a node of its own on its first id.
 *
 * Returns: (transfer none): the default generator
 */
GstAxionIdGenerator *
gst_axion_id_generator_get_default (void)
{
  static GstAxionIdGenerator *def = NULL;

  if (g_once_init_enter (&def)) {
    gchar *how = NULL;
    GstAxionIdGenerator *g = gst_axion_id_generator_new (0);

    g->node = gst_axion_id_claim_node (&how);
    g->is_default = TRUE;
    pthread_atfork (NULL, NULL, on_fork_child);
    GST_INFO ("event id generator: %s", how);
    g_free (how);
    g_once_init_leave (&def, g);
  }
  return def;
}

/**
 * gst_axion_id_next:
 *
 * Returns: the next id from the default generator.
 */
gint64
gst_axion_id_next (void)
{
  return gst_axion_id_generator_next (gst_axion_id_generator_get_default ());
}

/**
 * gst_axion_id_get_unix_ms:
 * @id: an Axion id
 *
 * Returns: the id's time part in milliseconds since the Unix epoch.
 */
gint64
gst_axion_id_get_unix_ms (gint64 id)
{
  return (id >> (GST_AXION_ID_NODE_BITS + GST_AXION_ID_SEQ_BITS)) +
      GST_AXION_ID_EPOCH_UNIX_MS;
}

guint
gst_axion_id_get_node (gint64 id)
{
  return (id >> GST_AXION_ID_SEQ_BITS) & GST_AXION_ID_MAX_NODE;
}

guint
gst_axion_id_get_sequence (gint64 id)
{
  return id & SEQ_MAX;
}
