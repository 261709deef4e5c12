/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "axiontestaccel.h"

#include <gst/base/gstbasetransform.h>
#include <gst/video/video.h>
#include <gst/axion/axion.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

typedef struct
{
  GstBaseTransform parent;
  guint latency_ms, jitter_ms;
  gboolean add_roi;
  gchar *lock_file, *log_file;
  int lock_fd, log_fd;
  GRand *rand;
} AxionTestAccel;

typedef struct
{
  GstBaseTransformClass parent_class;
} AxionTestAccelClass;

enum
{
  PROP_0,
  PROP_LATENCY_MS,
  PROP_JITTER_MS,
  PROP_ADD_ROI,
  PROP_LOCK_FILE,
  PROP_LOG_FILE,
};

/* axiondlpusched's meta on the frames it lets in: the grant's fencing
 * number */
#define FENCE_META "GstAxionDlpuFenceMeta"

static gint entered;
static gint runs;
static gint violations;

GType axion_test_accel_get_type (void);
G_DEFINE_TYPE (AxionTestAccel, axion_test_accel, GST_TYPE_BASE_TRANSFORM);

static GstStaticPadTemplate sink_t = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw"));
static GstStaticPadTemplate src_t = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw"));

static GstFlowReturn
accel_transform_ip (GstBaseTransform *bt, GstBuffer *buf)
{
  AxionTestAccel *self = (AxionTestAccel *) bt;
  guint ms = self->latency_ms;
  gint64 t0 = g_get_real_time ();
  GstAxionFrameMeta *fm;

  if (g_atomic_int_add (&entered, 1) != 0) {
    g_atomic_int_inc (&violations);
    g_critical ("axiontestaccel entered by two threads at once");
  }
  if (self->lock_fd >= 0 && flock (self->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    g_atomic_int_inc (&violations);
    g_critical ("axiontestaccel entered by two processes at once (%s)",
        g_strerror (errno));
  }
  if (self->jitter_ms)
    ms += g_rand_int_range (self->rand, 0, self->jitter_ms + 1);
  g_usleep (ms * 1000);
  if (self->add_roi) {
    GstVideoInfo info;
    GstCaps *caps = gst_pad_get_current_caps (bt->sinkpad);
    if (caps && gst_video_info_from_caps (&info, caps))
      gst_axion_roi_add_detection (buf, "person", 0.9,
          GST_VIDEO_INFO_WIDTH (&info) / 4, GST_VIDEO_INFO_HEIGHT (&info) / 4,
          GST_VIDEO_INFO_WIDTH (&info) / 2, GST_VIDEO_INFO_HEIGHT (&info) / 2);
    gst_clear_caps (&caps);
  }
  if (self->log_fd >= 0) {
    gchar line[200];
    gint n;
    guint64 fence = 0;
    GstCustomMeta *cm = gst_buffer_get_custom_meta (buf, FENCE_META);
    if (cm)
      gst_structure_get_uint64 (
          gst_custom_meta_get_structure (cm), "fence", &fence);
    fm = gst_buffer_get_axion_frame_meta (buf);
    n = g_snprintf (line, sizeof (line),
        "%d %s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GUINT64_FORMAT
        "\n",
        (int) getpid (), fm && fm->camera_id ? fm->camera_id : "-", t0,
        g_get_real_time (), fence);
    if (write (self->log_fd, line, n) != n)
      g_warning ("axiontestaccel: log write failed");
  }
  if (self->lock_fd >= 0)
    flock (self->lock_fd, LOCK_UN);
  g_atomic_int_add (&entered, -1);
  g_atomic_int_inc (&runs);
  return GST_FLOW_OK;
}

static gboolean
accel_start (GstBaseTransform *bt)
{
  AxionTestAccel *self = (AxionTestAccel *) bt;

  if (self->lock_file)
    self->lock_fd = open (self->lock_file, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (self->log_file)
    self->log_fd = open (
        self->log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  return TRUE;
}

static gboolean
accel_stop (GstBaseTransform *bt)
{
  AxionTestAccel *self = (AxionTestAccel *) bt;

  if (self->lock_fd >= 0)
    close (self->lock_fd);
  if (self->log_fd >= 0)
    close (self->log_fd);
  self->lock_fd = self->log_fd = -1;
  return TRUE;
}

static void
accel_set_property (
    GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  AxionTestAccel *self = (AxionTestAccel *) object;

  switch (id) {
  case PROP_LATENCY_MS:
    self->latency_ms = g_value_get_uint (value);
    break;
  case PROP_JITTER_MS:
    self->jitter_ms = g_value_get_uint (value);
    break;
  case PROP_ADD_ROI:
    self->add_roi = g_value_get_boolean (value);
    break;
  case PROP_LOCK_FILE:
    g_free (self->lock_file);
    self->lock_file = g_value_dup_string (value);
    break;
  case PROP_LOG_FILE:
    g_free (self->log_file);
    self->log_file = g_value_dup_string (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
accel_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  AxionTestAccel *self = (AxionTestAccel *) object;

  switch (id) {
  case PROP_LATENCY_MS:
    g_value_set_uint (value, self->latency_ms);
    break;
  case PROP_JITTER_MS:
    g_value_set_uint (value, self->jitter_ms);
    break;
  case PROP_ADD_ROI:
    g_value_set_boolean (value, self->add_roi);
    break;
  case PROP_LOCK_FILE:
    g_value_set_string (value, self->lock_file);
    break;
  case PROP_LOG_FILE:
    g_value_set_string (value, self->log_file);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
accel_finalize (GObject *object)
{
  AxionTestAccel *self = (AxionTestAccel *) object;

  g_free (self->lock_file);
  g_free (self->log_file);
  g_rand_free (self->rand);
  G_OBJECT_CLASS (axion_test_accel_parent_class)->finalize (object);
}

static void
axion_test_accel_class_init (AxionTestAccelClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  GstElementClass *ec = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *bc = GST_BASE_TRANSFORM_CLASS (klass);

  oc->set_property = accel_set_property;
  oc->get_property = accel_get_property;
  oc->finalize = accel_finalize;
  bc->transform_ip = accel_transform_ip;
  bc->start = accel_start;
  bc->stop = accel_stop;
  g_object_class_install_property (oc, PROP_LATENCY_MS,
      g_param_spec_uint ("latency-ms", "Latency", "Inference time (ms)", 0,
          10000, 50, G_PARAM_READWRITE));
  g_object_class_install_property (oc, PROP_JITTER_MS,
      g_param_spec_uint ("jitter-ms", "Jitter", "Random extra time (ms)", 0,
          10000, 0, G_PARAM_READWRITE));
  g_object_class_install_property (oc, PROP_ADD_ROI,
      g_param_spec_boolean ("add-roi", "Add ROI",
          "Attach a \"person\" region (centre half of the frame)", FALSE,
          G_PARAM_READWRITE));
  g_object_class_install_property (oc, PROP_LOCK_FILE,
      g_param_spec_string ("lock-file", "Lock file",
          "flock()ed during an inference to detect other processes", NULL,
          G_PARAM_READWRITE));
  g_object_class_install_property (oc, PROP_LOG_FILE,
      g_param_spec_string ("log-file", "Log file",
          "Appends one line per inference", NULL, G_PARAM_READWRITE));
  gst_element_class_add_static_pad_template (ec, &sink_t);
  gst_element_class_add_static_pad_template (ec, &src_t);
  gst_element_class_set_static_metadata (ec, "Axion test accelerator",
      "Filter/Analyzer/Video", "Test stand-in for an inference accelerator",
      "Axion developers");
}

static void
axion_test_accel_init (AxionTestAccel *self)
{
  self->latency_ms = 50;
  self->lock_fd = self->log_fd = -1;
  self->rand = g_rand_new ();
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), FALSE);
}

void
axion_test_accel_register (void)
{
  gst_element_register (
      NULL, "axiontestaccel", GST_RANK_NONE, axion_test_accel_get_type ());
}

guint
axion_test_accel_runs (void)
{
  return g_atomic_int_get (&runs);
}

guint
axion_test_accel_violations (void)
{
  return g_atomic_int_get (&violations);
}
