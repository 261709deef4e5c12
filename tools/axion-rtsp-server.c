/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axion-rtsp-server: sample cameras over RTSP for the demo and the tests.
 * Each camera is a synthetic scene (moving objects on a textured
 * background) encoded to H.264 once, cached on disk, then served in a loop
 * without re-encoding: one shared media per camera, whatever the number of
 * clients. Commands on stdin: "stop camN", "start camN" (take one camera
 * off the air and back), "freeze camN", "thaw camN" (a still picture:
 * its first keyframe once a GOP, and back to moving), "quit".
 *
 * Quality profiles (docs/bandwidth.md): the query of the URL picks a
 * stream profile as an Axis camera's axis-media/media.amp does, e.g.
 * rtsp://host:8554/cam1?fps=5&resolution=320x180&compression=50&
 * max_bitrate_kbps=150 (videomaxbitrate is taken too). Each profile is
 * encoded once (cached like the default one) and shared by its clients;
 * the server prints each profile's real stream rate (bytes of its
 * access units over the loop's length) for the tests to compare with.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

typedef struct
{
  gint w, h, fps;
  gint compression; /* 0-100, -1: the encoder's default */
  gint kbps;        /* max bitrate, 0: the default (w * h * 2 bit/s) */
} Profile;

typedef struct
{
  GPtrArray *aus; /* GstBuffer*, access units */
  GstCaps *caps;
  GstClockTime frame_dur;
  guint gop; /* frames from the first keyframe to the next */
} Stream;

typedef struct
{
  gchar *name;
  guint index;
  gboolean idle;
  Stream *main;        /* the command line's profile */
  GHashTable *streams; /* profile key -> Stream (queried ones) */
  GstRTSPMediaFactory *factory;
  gboolean on_air;
  gboolean frozen; /* (atomic) sends its first keyframe once a GOP */
  GList *media;    /* GstRTSPMedia* prepared for this camera */
} Cam;

typedef struct
{
  Cam *cam;
  Stream *st;
  guint64 n;
} Feed;

static const gchar *prog = "axion-rtsp-server";
static GstRTSPServer *server;
static GstRTSPMountPoints *mounts;
static GPtrArray *cams;
static GMainLoop *loop;
static gchar *cache_dir;
static Profile base;
static gint loop_secs;

/* ---- encode once, cache ------------------------------------------------ */

static gboolean
run_pipeline (const gchar *desc, GError **error)
{
  GstElement *p = gst_parse_launch (desc, error);
  GstBus *bus;
  GstMessage *m;
  gboolean ok;

  if (p == NULL)
    return FALSE;
  gst_element_set_state (p, GST_STATE_PLAYING);
  bus = gst_element_get_bus (p);
  m = gst_bus_timed_pop_filtered (
      bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  ok = GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS;
  if (!ok)
    gst_message_parse_error (m, error, NULL);
  gst_message_unref (m);
  gst_object_unref (bus);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
  return ok;
}

/* @idle: no moving object (a camera watching an unchanging scene) */
static gboolean
encode (guint i, const gchar *path, const Profile *pr, gint secs, gboolean idle,
    GError **error)
{
  gint w = pr->w, h = pr->h, fps = pr->fps;
  /* a profile's compression: the quantiser's floor from 10 (0) to 40
   * (100), as a camera trades quality for size; its max bitrate: the
   * encoder's bitrate mode */
  GString *rcs = g_string_new (NULL);
  gchar *rc;

  if (pr->compression >= 0)
    g_string_append_printf (rcs, " qp-min=%d", 10 + pr->compression * 30 / 100);
  if (pr->kbps > 0)
    g_string_append (rcs, " rate-control=bitrate");
  rc = g_string_free (rcs, FALSE);
  /* a textured background, a moving object; each camera differs. The
   * mix is blended in AYUV: mixed straight into I420, the ball layer lost
   * its alpha and its black, transparent background covered the picture
   * (cameras were a white ball on black; cache files before "v2") */
  static const gchar *bg[] = { "smpte", "checkers-8", "circular",
    "zone-plate kx2=40 ky2=40", "gradient", "checkers-4", "colors", "smpte75",
    "pinwheel", "spokes" };
  gchar *tmp = g_strconcat (path, ".tmp", NULL);
  gchar *desc = g_strdup_printf (
      "videotestsrc pattern=%s num-buffers=%d ! "
      "video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 ! "
      "compositor name=mix ! video/x-raw,format=AYUV,width=%d,height=%d ! "
      "videoconvert ! video/x-raw,format=I420 ! "
      "openh264enc gop-size=%d bitrate=%d%s ! "
      "h264parse ! video/x-h264,stream-format=byte-stream,alignment=au ! "
      "filesink location=\"%s\" "
      "videotestsrc pattern=%s motion=%s animation-mode=frames "
      "num-buffers=%d background-color=0x00000000 "
      "foreground-color=%s ! "
      "video/x-raw,format=BGRA,width=%d,height=%d,framerate=%d/1 ! "
      "videoconvert ! mix.",
      bg[i % G_N_ELEMENTS (bg)], fps * secs, w, h, fps, w, h, fps,
      pr->kbps > 0 ? pr->kbps * 1000 : w * h * 2,
      /* an idle camera at a constant quantiser: under the bitrate, the
       * quality mode raised the quality for seconds after the start, and
       * the decoded keyframes differed (axionmotion saw motion) */
      idle ? " rate-control=off" : rc, tmp, idle ? "solid-color" : "ball",
      i % 3 == 0       ? "wavy"
          : i % 3 == 1 ? "sweep"
                       : "hsweep",
      fps * secs, idle ? "0x00000000" : "0xffffffff", w, h, fps);
  gboolean ok = run_pipeline (desc, error);

  if (ok && g_rename (tmp, path) != 0) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "cannot rename %s", tmp);
    ok = FALSE;
  }
  g_unlink (tmp);
  g_free (tmp);
  g_free (desc);
  g_free (rc);
  return ok;
}

static Stream *
load (const gchar *path, gint fps, GError **error)
{
  gchar *desc = g_strdup_printf ("filesrc location=\"%s\" ! h264parse ! "
                                 "video/x-h264,stream-format=byte-stream,"
                                 "alignment=au ! appsink name=s sync=false",
      path);
  GstElement *p = gst_parse_launch (desc, error);
  GstElement *sink;
  GstSample *s;
  Stream *st;

  g_free (desc);
  if (p == NULL)
    return NULL;
  st = g_new0 (Stream, 1);
  st->aus = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  sink = gst_bin_get_by_name (GST_BIN (p), "s");
  gst_element_set_state (p, GST_STATE_PLAYING);
  while ((s = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    GstBuffer *b = gst_buffer_copy (gst_sample_get_buffer (s));
    if (st->caps == NULL)
      st->caps = gst_caps_copy (gst_sample_get_caps (s));
    g_ptr_array_add (st->aus, b);
    gst_sample_unref (s);
  }
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (p);
  st->frame_dur = GST_SECOND / fps;
  st->gop = st->aus->len;
  for (guint i = 1; i < st->aus->len; i++)
    if (!GST_BUFFER_FLAG_IS_SET (
            g_ptr_array_index (st->aus, i), GST_BUFFER_FLAG_DELTA_UNIT)) {
      st->gop = i;
      break;
    }
  if (st->aus->len == 0 || st->caps == NULL) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%s holds no H.264 frames (delete it to encode again)", path);
    g_ptr_array_unref (st->aus);
    g_clear_pointer (&st->caps, gst_caps_unref);
    g_free (st);
    return NULL;
  }
  gst_caps_set_simple (st->caps, "framerate", GST_TYPE_FRACTION, fps, 1, NULL);
  return st;
}

/* the real stream rate of a profile: its access units' bytes over the
 * loop's length */
static void
print_rate (Cam *c, const gchar *key, Stream *st)
{
  guint64 bytes = 0;

  for (guint i = 0; i < st->aus->len; i++)
    bytes += gst_buffer_get_size (g_ptr_array_index (st->aus, i));
  g_print ("%s: %s%s%s stream %.1f kbps (%" G_GUINT64_FORMAT
           " bytes in %u frames, %.3f s)\n",
      prog, c->name, key ? "?" : "", key ? key : "",
      bytes * 8.0 / (st->aus->len * st->frame_dur / (gdouble) GST_SECOND) /
          1000.0,
      bytes, st->aus->len, st->aus->len * st->frame_dur / (gdouble) GST_SECOND);
  fflush (stdout);
}

/* the camera's stream in profile @pr (@key: its query, NULL for the
 * command line's), encoded once into the cache */
static Stream *
stream_for (Cam *c, const Profile *pr, const gchar *key, GError **error)
{
  gchar *file, *path;
  Stream *st;

  file = g_strdup_printf ("cam%u-%dx%d-%dfps-%ds-q%d-b%d-v2%s.h264",
      c->index + 1, pr->w, pr->h, pr->fps, loop_secs, pr->compression, pr->kbps,
      c->idle ? "-idle2" : "");
  /* the command line's profile keeps its name of before profiles */
  if (key == NULL) {
    g_free (file);
    file = g_strdup_printf ("cam%u-%dx%d-%dfps-%ds-v2%s.h264", c->index + 1,
        pr->w, pr->h, pr->fps, loop_secs, c->idle ? "-idle2" : "");
  }
  path = g_build_filename (cache_dir, file, NULL);
  g_free (file);
  if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    g_print ("%s: encoding %s%s%s once (%dx%d, %d fps, %d s) into %s\n", prog,
        c->name, key ? "?" : "", key ? key : "", pr->w, pr->h, pr->fps,
        loop_secs, path);
    if (!encode (c->index, path, pr, loop_secs, c->idle, error)) {
      g_free (path);
      return NULL;
    }
  }
  st = load (path, pr->fps, error);
  g_free (path);
  if (st)
    print_rate (c, key, st);
  return st;
}

/* the profile a query asks for (the command line's values for what it
 * does not name); FALSE for values out of range */
static gboolean
parse_profile (const gchar *query, Profile *pr)
{
  gchar **kv = g_strsplit (query ? query : "", "&", -1);
  gboolean ok = TRUE;

  *pr = base;
  for (guint i = 0; ok && kv[i]; i++) {
    gchar **p = g_strsplit (kv[i], "=", 2);
    gint64 v = 0;
    if (p[0] && p[1] && g_str_equal (p[0], "resolution")) {
      gchar **wh = g_strsplit (p[1], "x", 2);
      gint64 w = 0, h = 0;
      ok = wh[0] && wh[1] &&
          g_ascii_string_to_signed (wh[0], 10, 16, 3840, &w, NULL) &&
          g_ascii_string_to_signed (wh[1], 10, 16, 2160, &h, NULL) &&
          w % 2 == 0 && h % 2 == 0;
      pr->w = (gint) w;
      pr->h = (gint) h;
      g_strfreev (wh);
    } else if (p[0] && p[1] && g_str_equal (p[0], "fps")) {
      ok = g_ascii_string_to_signed (p[1], 10, 1, 60, &v, NULL);
      pr->fps = (gint) v;
    } else if (p[0] && p[1] && g_str_equal (p[0], "compression")) {
      ok = g_ascii_string_to_signed (p[1], 10, 0, 100, &v, NULL);
      pr->compression = (gint) v;
    } else if (p[0] && p[1] &&
        (g_str_equal (p[0], "max_bitrate_kbps") ||
            g_str_equal (p[0], "videomaxbitrate"))) {
      ok = g_ascii_string_to_signed (p[1], 10, 0, 100000, &v, NULL);
      pr->kbps = (gint) v;
    }
    /* other parameters (an Axis URL's camera=1, videocodec=h264...) are
     * not the profile's */
    g_strfreev (p);
  }
  g_strfreev (kv);
  return ok;
}

static gchar *
profile_key (const Profile *pr)
{
  return g_strdup_printf ("fps=%d&resolution=%dx%d&compression=%d&"
                          "max_bitrate_kbps=%d",
      pr->fps, pr->w, pr->h, pr->compression, pr->kbps);
}

/* ---- serving ------------------------------------------------------------ */

static void
need_data (GstAppSrc *src, guint length, gpointer data)
{
  Feed *f = data;
  Cam *c = f->cam;
  Stream *st = f->st;
  GstBuffer *b;

  if (!c->on_air) {
    gst_app_src_end_of_stream (src);
    return;
  }
  if (g_atomic_int_get (&c->frozen)) {
    /* a still picture: the first keyframe again, once a GOP (the
     * stream stays alive, nothing moves; a camera watching an empty
     * scene) */
    f->n = (f->n + st->gop - 1) / st->gop * st->gop;
    b = gst_buffer_copy (g_ptr_array_index (st->aus, 0));
    GST_BUFFER_DURATION (b) = st->gop * st->frame_dur;
    GST_BUFFER_PTS (b) = f->n * st->frame_dur;
    f->n += st->gop;
  } else {
    b = gst_buffer_copy (g_ptr_array_index (st->aus, f->n % st->aus->len));
    GST_BUFFER_DURATION (b) = st->frame_dur;
    GST_BUFFER_PTS (b) = f->n * st->frame_dur;
    f->n++;
  }
  GST_BUFFER_DTS (b) = GST_CLOCK_TIME_NONE;
  gst_app_src_push_buffer (src, b);
}

static void
free_feed (gpointer data, GClosure *closure)
{
  g_free (data);
}

static void
media_gone (gpointer data, GObject *media)
{
  Cam *c = data;
  c->media = g_list_remove (c->media, media);
}

static void
media_configure (
    GstRTSPMediaFactory *factory, GstRTSPMedia *media, gpointer data)
{
  Cam *c = data;
  GstElement *e = gst_rtsp_media_get_element (media);
  GstElement *src = gst_bin_get_by_name_recurse_up (GST_BIN (e), "src");
  Feed *f = g_new0 (Feed, 1);
  Stream *st = g_object_get_data (G_OBJECT (e), "axion-stream");

  f->cam = c;
  f->st = st ? st : c->main;
  g_object_set (src, "caps", f->st->caps, "format", GST_FORMAT_TIME, "is-live",
      TRUE, "max-bytes", (guint64) 4 * 1024 * 1024, NULL);
  g_signal_connect_data (
      src, "need-data", G_CALLBACK (need_data), f, free_feed, 0);
  c->media = g_list_prepend (c->media, media);
  g_object_weak_ref (G_OBJECT (media), media_gone, c);
  gst_object_unref (src);
  gst_object_unref (e);
}

/* ---- a factory that reads the profile from the URL's query -------------- */

typedef struct
{
  GstRTSPMediaFactory parent;
  Cam *cam;
} AxionCamFactory;

typedef struct
{
  GstRTSPMediaFactoryClass parent_class;
} AxionCamFactoryClass;

static GType axion_cam_factory_get_type (void);
G_DEFINE_TYPE (AxionCamFactory, axion_cam_factory, GST_TYPE_RTSP_MEDIA_FACTORY)

/* one shared media per camera and profile */
static gchar *
cam_gen_key (GstRTSPMediaFactory *factory, const GstRTSPUrl *url)
{
  Profile pr;
  gchar *k, *key;

  if (!parse_profile (url->query, &pr))
    return NULL; /* the client gets 404 */
  k = profile_key (&pr);
  key = g_strdup_printf ("%s?%s", url->abspath, k);
  g_free (k);
  return key;
}

static GstElement *
cam_create_element (GstRTSPMediaFactory *factory, const GstRTSPUrl *url)
{
  Cam *c = ((AxionCamFactory *) factory)->cam;
  GstElement *e;
  Stream *st = c->main;
  Profile pr;

  if (!parse_profile (url->query, &pr))
    return NULL;
  if (memcmp (&pr, &base, sizeof (pr)) != 0) {
    gchar *key = profile_key (&pr);
    st = g_hash_table_lookup (c->streams, key);
    if (st == NULL) {
      GError *err = NULL;
      /* encoded here, once: the first client of a profile waits for it
       * (about a second at 320x180) */
      st = stream_for (c, &pr, key, &err);
      if (st == NULL) {
        g_printerr ("%s: %s?%s: %s\n", prog, c->name, key,
            err ? err->message : "cannot encode");
        g_clear_error (&err);
        g_free (key);
        return NULL;
      }
      g_hash_table_insert (c->streams, key, st);
    } else {
      g_free (key);
    }
  }
  e = GST_RTSP_MEDIA_FACTORY_CLASS (axion_cam_factory_parent_class)
          ->create_element (factory, url);
  if (e)
    g_object_set_data (G_OBJECT (e), "axion-stream", st);
  return e;
}

static void
axion_cam_factory_class_init (AxionCamFactoryClass *klass)
{
  GstRTSPMediaFactoryClass *fc = GST_RTSP_MEDIA_FACTORY_CLASS (klass);

  fc->gen_key = cam_gen_key;
  fc->create_element = cam_create_element;
}

static void
axion_cam_factory_init (AxionCamFactory *self)
{
}

static void
put_on_air (Cam *c)
{
  gchar *mount = g_strdup_printf ("/%s", c->name);

  c->factory = g_object_new (axion_cam_factory_get_type (), NULL);
  ((AxionCamFactory *) c->factory)->cam = c;
  gst_rtsp_media_factory_set_launch (c->factory,
      "( appsrc name=src ! h264parse ! rtph264pay name=pay0 pt=96 "
      "config-interval=-1 )");
  gst_rtsp_media_factory_set_shared (c->factory, TRUE);
  g_signal_connect (
      c->factory, "media-configure", G_CALLBACK (media_configure), c);
  c->on_air = TRUE;
  gst_rtsp_mount_points_add_factory (mounts, mount, c->factory);
  g_free (mount);
}

static void
take_off_air (Cam *c)
{
  gchar *mount = g_strdup_printf ("/%s", c->name);

  /* new clients get 404; the running stream ends at its next frame
   * (need-data pushes end-of-stream) */
  c->on_air = FALSE;
  gst_rtsp_mount_points_remove_factory (mounts, mount);
  g_free (mount);
}

static Cam *
find_cam (const gchar *name)
{
  for (guint i = 0; i < cams->len; i++) {
    Cam *c = g_ptr_array_index (cams, i);
    if (g_str_equal (c->name, name))
      return c;
  }
  return NULL;
}

static gboolean
on_stdin (GIOChannel *ch, GIOCondition cond, gpointer data)
{
  gchar *line = NULL;
  gchar **w;
  Cam *c;

  if (g_io_channel_read_line (ch, &line, NULL, NULL, NULL) !=
      G_IO_STATUS_NORMAL) {
    g_free (line);
    return G_SOURCE_REMOVE; /* stdin closed: keep serving */
  }
  w = g_strsplit (g_strstrip (line), " ", 2);
  if (w[0] && g_str_equal (w[0], "quit")) {
    g_main_loop_quit (loop);
  } else if (w[0] && w[1] && (c = find_cam (w[1]))) {
    if (g_str_equal (w[0], "stop") && c->on_air) {
      take_off_air (c);
      g_print ("%s: %s off the air\n", prog, c->name);
    } else if (g_str_equal (w[0], "start") && !c->on_air) {
      put_on_air (c);
      g_print ("%s: %s on the air\n", prog, c->name);
    } else if (g_str_equal (w[0], "freeze") || g_str_equal (w[0], "thaw")) {
      g_atomic_int_set (&c->frozen, g_str_equal (w[0], "freeze"));
      g_print ("%s: %s %s\n", prog, c->name,
          c->frozen ? "frozen (a still picture)" : "moving again");
    }
  } else if (w[0] && *w[0]) {
    g_printerr ("%s: commands: stop camN | start camN | freeze camN | "
                "thaw camN | quit\n",
        prog);
  }
  g_strfreev (w);
  g_free (line);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal (gpointer data)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  gint n = 10, w = 1920, h = 1080, fps = 10, secs = 10, port = 8554, idle = 0;
  gchar *cache = NULL, *addr = NULL;
  GError *err = NULL;
  GOptionEntry entries[] = { { "cameras", 'n', 0, G_OPTION_ARG_INT, &n,
                                 "Cameras (cam1..camN)", "N" },
    { "width", 0, 0, G_OPTION_ARG_INT, &w, "Width", "PX" },
    { "height", 0, 0, G_OPTION_ARG_INT, &h, "Height", "PX" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &fps, "Frames per second", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &secs, "Length of the loop", "S" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "RTSP port (0 = any)", "PORT" },
    { "idle", 0, 0, G_OPTION_ARG_INT, &idle,
        "The last N cameras show an unchanging scene (no moving object)", "N" },
    { "address", 0, 0, G_OPTION_ARG_STRING, &addr, "Listen address", "ADDR" },
    { "cache", 0, 0, G_OPTION_ARG_FILENAME, &cache,
        "Where encoded cameras are kept (default ~/.cache/axion/cameras)",
        "DIR" },
    { NULL } };
  GOptionContext *ctx = g_option_context_new ("- sample cameras over RTSP");
  GIOChannel *in;
  gchar *port_s;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("%s: %s\n", prog, err->message);
    return 2;
  }
  g_option_context_free (ctx);
  if (n < 1 || n > 64 || w < 16 || h < 16 || w % 2 || h % 2 || fps < 1 ||
      secs < 1) {
    g_printerr (
        "%s: 1-64 cameras, even sizes >= 16, fps and seconds >= 1\n", prog);
    return 2;
  }
  if (cache == NULL)
    cache = g_build_filename (
        g_get_user_cache_dir (), "axion", "cameras", NULL);
  g_mkdir_with_parents (cache, 0755);

  cache_dir = cache;
  loop_secs = secs;
  base = (Profile){ w, h, fps, -1, 0 };
  cams = g_ptr_array_new ();
  for (gint i = 0; i < n; i++) {
    Cam *c = g_new0 (Cam, 1);
    c->name = g_strdup_printf ("cam%d", i + 1);
    c->index = (guint) i;
    c->idle = i >= n - idle;
    c->streams = g_hash_table_new (g_str_hash, g_str_equal);
    c->main = stream_for (c, &base, NULL, &err);
    if (c->main == NULL) {
      g_printerr ("%s: cannot encode %s: %s (needs openh264enc from "
                  "gst-plugins-bad)\n",
          prog, c->name, err ? err->message : "?");
      return 1;
    }
    g_ptr_array_add (cams, c);
  }

  server = gst_rtsp_server_new ();
  port_s = g_strdup_printf ("%d", port);
  gst_rtsp_server_set_service (server, port_s);
  if (addr)
    gst_rtsp_server_set_address (server, addr);
  mounts = gst_rtsp_server_get_mount_points (server);
  for (guint i = 0; i < cams->len; i++)
    put_on_air (g_ptr_array_index (cams, i));
  if (gst_rtsp_server_attach (server, NULL) == 0) {
    g_printerr ("%s: cannot listen on port %d\n", prog, port);
    return 1;
  }
  g_print ("%s: %d cameras at rtsp://%s:%d/cam1 .. /cam%d\n", prog, n,
      addr ? addr : "127.0.0.1", gst_rtsp_server_get_bound_port (server), n);
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_signal, NULL);
  g_unix_signal_add (SIGTERM, on_signal, NULL);
  in = g_io_channel_unix_new (0);
  g_io_add_watch (in, G_IO_IN | G_IO_HUP, on_stdin, NULL);
  g_main_loop_run (loop);
  g_io_channel_unref (in);
  g_free (port_s);
  g_free (cache);
  return 0;
}
