/* Shared by the sink integration tests: start an element with one string
 * property (and optionally a boolean set to TRUE) and return the text of the
 * error it posted ("%message | %debug"), or "ok"/"failure" when it posted
 * none; the state change result in @ret_out. */
#ifndef __AXION_STARTCHECK_H__
#define __AXION_STARTCHECK_H__

#include <gst/check/gstcheck.h>

static inline gchar *
start_error_of (const gchar *factory, const gchar *prop, const gchar *value,
    const gchar *bool_prop, GstStateChangeReturn *ret_out)
{
  GstElement *e = gst_element_factory_make (factory, NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *m;
  GError *err = NULL;
  gchar *dbg = NULL, *text;
  GstStateChangeReturn ret;

  gst_element_set_bus (e, bus);
  g_object_set (e, prop, value, NULL);
  if (bool_prop)
    g_object_set (e, bool_prop, TRUE, NULL);
  ret = gst_element_set_state (e, GST_STATE_PAUSED);
  if (ret_out)
    *ret_out = ret;
  m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  if (m) {
    gst_message_parse_error (m, &err, &dbg);
    text = g_strdup_printf ("%s | %s", err->message, dbg);
    g_error_free (err);
    g_free (dbg);
    gst_message_unref (m);
  } else {
    text = g_strdup (ret == GST_STATE_CHANGE_FAILURE ? "failure" : "ok");
  }
  gst_element_set_state (e, GST_STATE_NULL);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
  return text;
}

#endif
