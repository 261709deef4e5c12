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

/**
 * gst_axion_id_generator_next_at:
 * @gen: a generator
 * @unix_ms: the wall-clock time to stamp, in milliseconds since the Unix epoch
 *
 * Returns the next id as if the wall clock read @unix_ms. Ids from one
 * generator are strictly increasing whatever @unix_ms does; when @unix_ms
 * goes backwards the id keeps the newest time already issued. Thread-safe.
 *
 * Returns: a positive 64-bit id
 */
gint64
gst_axion_id_generator_next_at (GstAxionIdGenerator *gen, gint64 unix_ms)
{
  gint64 t, id;

  g_return_val_if_fail (gen != NULL, 0);

  t = unix_ms - GST_AXION_ID_EPOCH_UNIX_MS;
  t = CLAMP (t, 0, TIME_MAX);

  g_mutex_lock (&gen->lock);
  if (gen->is_default && gen->forks_seen != g_atomic_int_get (&forks)) {
    /* We are a forked child sharing the parent's node: claim our own. */
    gen->node = gst_axion_id_claim_node (NULL);
    gen->forks_seen = g_atomic_int_get (&forks);
  }
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

  if (t > gen->last_ms) {
    gen->last_ms = t;
    gen->seq = 0;
  } else if (gen->seq < SEQ_MAX) {
    gen->seq++;
  } else {
    /* sequence exhausted in this millisecond: borrow the next one */
    gen->last_ms++;
    gen->seq = 0;
  }
  id = (gen->last_ms << (GST_AXION_ID_NODE_BITS + GST_AXION_ID_SEQ_BITS)) |
      ((gint64) gen->node << GST_AXION_ID_SEQ_BITS) | gen->seq;
  g_mutex_unlock (&gen->lock);

  return id;
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

/* gst_axion_id_generator_get_default:
 *
 * The process-wide generator, created on first use with a node from
 * gst_axion_id_claim_node(). A child process created by fork() claims a
 * node of its own on its first id.
 *
 * Returns: (transfer none): the default generator
 */
static GstAxionIdGenerator *
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
