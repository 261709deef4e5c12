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
 * off the air and back), "quit".
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
  gchar *name;
  GPtrArray *aus; /* GstBuffer*, access units */
  GstCaps *caps;
  GstClockTime frame_dur;
  GstRTSPMediaFactory *factory;
  gboolean on_air;
  GList *media; /* GstRTSPMedia* prepared for this camera */
} Cam;

typedef struct
{
  Cam *cam;
  guint64 n;
} Feed;

static const gchar *prog = "axion-rtsp-server";
static GstRTSPServer *server;
static GstRTSPMountPoints *mounts;
static GPtrArray *cams;
static GMainLoop *loop;

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
encode (guint i, const gchar *path, gint w, gint h, gint fps, gint secs,
    gboolean idle, GError **error)
{
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
      bg[i % G_N_ELEMENTS (bg)], fps * secs, w, h, fps, w, h, fps, w * h * 2,
      /* an idle camera at a constant quantiser: under the bitrate, the
       * quality mode raised the quality for seconds after the start, and
       * the decoded keyframes differed (axionmotion saw motion) */
      idle ? " rate-control=off" : "", tmp, idle ? "solid-color" : "ball",
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
  return ok;
}

static gboolean
load (Cam *c, const gchar *path, gint fps, GError **error)
{
  gchar *desc = g_strdup_printf ("filesrc location=\"%s\" ! h264parse ! "
                                 "video/x-h264,stream-format=byte-stream,"
                                 "alignment=au ! appsink name=s sync=false",
      path);
  GstElement *p = gst_parse_launch (desc, error);
  GstElement *sink;
  GstSample *s;

  g_free (desc);
  if (p == NULL)
    return FALSE;
  sink = gst_bin_get_by_name (GST_BIN (p), "s");
  gst_element_set_state (p, GST_STATE_PLAYING);
  while ((s = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    GstBuffer *b = gst_buffer_copy (gst_sample_get_buffer (s));
    if (c->caps == NULL)
      c->caps = gst_caps_copy (gst_sample_get_caps (s));
    g_ptr_array_add (c->aus, b);
    gst_sample_unref (s);
  }
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (p);
  c->frame_dur = GST_SECOND / fps;
  if (c->aus->len == 0 || c->caps == NULL) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%s holds no H.264 frames (delete it to encode again)", path);
    return FALSE;
  }
  gst_caps_set_simple (c->caps, "framerate", GST_TYPE_FRACTION, fps, 1, NULL);
  return TRUE;
}

/* ---- serving ------------------------------------------------------------ */

static void
need_data (GstAppSrc *src, guint length, gpointer data)
{
  Feed *f = data;
  Cam *c = f->cam;
  GstBuffer *b;

  if (!c->on_air) {
    gst_app_src_end_of_stream (src);
    return;
  }
  b = gst_buffer_copy (g_ptr_array_index (c->aus, f->n % c->aus->len));
  GST_BUFFER_PTS (b) = f->n * c->frame_dur;
  GST_BUFFER_DTS (b) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (b) = c->frame_dur;
  f->n++;
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

  f->cam = c;
  g_object_set (src, "caps", c->caps, "format", GST_FORMAT_TIME, "is-live",
      TRUE, "max-bytes", (guint64) 4 * 1024 * 1024, NULL);
  g_signal_connect_data (
      src, "need-data", G_CALLBACK (need_data), f, free_feed, 0);
  c->media = g_list_prepend (c->media, media);
  g_object_weak_ref (G_OBJECT (media), media_gone, c);
  gst_object_unref (src);
  gst_object_unref (e);
}

static void
put_on_air (Cam *c)
{
  gchar *mount = g_strdup_printf ("/%s", c->name);

  c->factory = gst_rtsp_media_factory_new ();
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
    }
  } else if (w[0] && *w[0]) {
    g_printerr ("%s: commands: stop camN | start camN | quit\n", prog);
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

  cams = g_ptr_array_new ();
  for (gint i = 0; i < n; i++) {
    Cam *c = g_new0 (Cam, 1);
    gchar *file = g_strdup_printf ("cam%d-%dx%d-%dfps-%ds-v2%s.h264", i + 1, w,
        h, fps, secs, i >= n - idle ? "-idle2" : "");
    gchar *path = g_build_filename (cache, file, NULL);
    c->name = g_strdup_printf ("cam%d", i + 1);
    c->aus = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
    if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
      g_print ("%s: encoding %s once (%dx%d, %d fps, %d s) into %s\n", prog,
          c->name, w, h, fps, secs, path);
      if (!encode (i, path, w, h, fps, secs, i >= n - idle, &err)) {
        g_printerr ("%s: cannot encode %s: %s (needs openh264enc from "
                    "gst-plugins-bad)\n",
            prog, c->name, err ? err->message : "?");
        return 1;
      }
    }
    if (!load (c, path, fps, &err)) {
      g_printerr ("%s: %s\n", prog, err->message);
      return 1;
    }
    g_ptr_array_add (cams, c);
    g_free (file);
    g_free (path);
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
