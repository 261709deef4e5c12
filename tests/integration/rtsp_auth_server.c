/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A test RTSP camera that wants a user name and password (basic
 * authentication): rtsp://127.0.0.1:PORT/cam1, a live 160x120 test
 * picture at 10 fps as JPEG. The credentials come from the environment
 * (AXION_TEST_RTSP_USER, AXION_TEST_RTSP_PASSWORD), never the command
 * line. Prints "port N" once it listens; runs until killed.
 */
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

int
main (int argc, char **argv)
{
  const gchar *user = g_getenv ("AXION_TEST_RTSP_USER");
  const gchar *password = g_getenv ("AXION_TEST_RTSP_PASSWORD");
  GstRTSPServer *srv;
  GstRTSPAuth *auth;
  GstRTSPToken *token;
  GstRTSPMediaFactory *f;
  GstRTSPPermissions *perm;
  GstRTSPMountPoints *mounts;
  gchar *basic;
  GMainLoop *loop;

  gst_init (&argc, &argv);
  if (user == NULL || password == NULL) {
    g_printerr ("set AXION_TEST_RTSP_USER and AXION_TEST_RTSP_PASSWORD\n");
    return 2;
  }
  srv = gst_rtsp_server_new ();
  gst_rtsp_server_set_address (srv, "127.0.0.1");
  gst_rtsp_server_set_service (srv, "0");

  auth = gst_rtsp_auth_new ();
  token = gst_rtsp_token_new (
      GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, "user", NULL);
  basic = gst_rtsp_auth_make_basic (user, password);
  gst_rtsp_auth_add_basic (auth, basic, token);
  g_free (basic);
  gst_rtsp_token_unref (token);
  gst_rtsp_server_set_auth (srv, auth);
  g_object_unref (auth);

  f = gst_rtsp_media_factory_new ();
  gst_rtsp_media_factory_set_launch (f,
      "( videotestsrc is-live=true pattern=ball "
      "! video/x-raw,format=I420,width=160,height=120,framerate=10/1 "
      "! jpegenc "
      "! rtpjpegpay name=pay0 pt=26 )");
  gst_rtsp_media_factory_set_shared (f, TRUE);
  perm = gst_rtsp_permissions_new ();
  gst_rtsp_permissions_add_permission_for_role (
      perm, "user", GST_RTSP_PERM_MEDIA_FACTORY_ACCESS, TRUE);
  gst_rtsp_permissions_add_permission_for_role (
      perm, "user", GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, TRUE);
  gst_rtsp_media_factory_set_permissions (f, perm);
  gst_rtsp_permissions_unref (perm);
  mounts = gst_rtsp_server_get_mount_points (srv);
  gst_rtsp_mount_points_add_factory (mounts, "/cam1", f);
  g_object_unref (mounts);

  if (gst_rtsp_server_attach (srv, NULL) == 0) {
    g_printerr ("cannot listen\n");
    return 1;
  }
  g_print ("port %d\n", gst_rtsp_server_get_bound_port (srv));
  loop = g_main_loop_new (NULL, FALSE);
  g_main_loop_run (loop);
  return 0;
}
