/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A rule is a condition on frames (motion in a zone, an object of a class,
 * the lens covered, the accelerator starved) and an episode: the
 * condition holds for min-duration-ms -> one alert; it must then be false
 * for clear-ms before the rule can fire again, and never within
 * cooldown-s of its last alert. Object rules with track ids fire once per
 * track. Track rules fire on axiontrack's events (zone entered/left, line
 * crossed, loitering), once per track. Time is the frames' capture time, so a
 * rule behaves the same on a live camera and on a recording played fast.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionalertrule.h"

#include <math.h>
#include <string.h>
#include <stdio.h>
#include <gst/axion/gstaxionformat.h>

typedef struct
{
  guint days;              /* bit 0 = Monday .. bit 6 = Sunday */
  gint start_min, end_min; /* minutes of the day; end <= start: wraps */
} ScheduleSlot;

struct _AxionAlertRule
{
  gchar *name;
  AxionRuleKind kind;
  gchar *what; /* object class, tamper or system kind */
  gint severity, priority;
  gint64 min_duration_us, cooldown_us, clear_us;
  gdouble min_score, min_confidence, threshold;
  gdouble *zone; /* x0 y0 x1 y1 ... */
  guint n_zone;
  gchar *zone_name;
  GArray *schedule; /* ScheduleSlot; NULL = always */
  GTimeZone *tz;

  /* state */
  gint64 since_us, false_since_us, last_fire_us, last_time_us;
  gboolean fired;
  GHashTable *tracks; /* track id -> last time seen (us) */
  guint64 n_fired, n_suppressed;
  /* track rules */
  gchar *target, *direction, *track_class;
  gint min_occupancy; /* 0: any */
  GQueue pending;     /* alerts of a frame after its first: one per eval */
};

static const gchar *const kind_names[] = { "motion", "object", "tamper",
  "system", "track" };
static const gchar *const track_events[] = { "zone_entered", "zone_left",
  "line_crossed", "loitering", NULL };
static const gchar *const day_names[] = { "mon", "tue", "wed", "thu", "fri",
  "sat", "sun" };

static gboolean fail (GError **error, const gchar *rule, const gchar *fmt, ...)
    G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError **error, const gchar *rule, const gchar *fmt, ...)
{
  va_list ap;
  gchar *msg;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
      "rule %s: %s", rule, msg);
  g_free (msg);
  return FALSE;
}

/* ---- parsing ------------------------------------------------------------ */

static gboolean
parse_zone (AxionAlertRule *r, const gchar *text, GError **error)
{
  gchar *copy = g_strstrip (g_strdup (text));
  gchar **pts = g_strsplit_set (copy, " \t", -1);
  GArray *xy = g_array_new (FALSE, FALSE, sizeof (gdouble));
  gboolean ok = TRUE;

  for (guint i = 0; pts[i] && ok; i++) {
    gchar **c;
    gchar *end1, *end2;
    gdouble x, y;
    if (*pts[i] == '\0')
      continue;
    c = g_strsplit (pts[i], ",", -1);
    ok = g_strv_length (c) == 2;
    if (ok) {
      x = g_ascii_strtod (c[0], &end1);
      y = g_ascii_strtod (c[1], &end2);
      ok = *end1 == '\0' && *end2 == '\0' && x >= 0 && x <= 1 && y >= 0 &&
          y <= 1 && end1 != c[0] && end2 != c[1];
      g_array_append_val (xy, x);
      g_array_append_val (xy, y);
    }
    g_strfreev (c);
  }
  g_strfreev (pts);
  g_free (copy);
  if (ok && xy->len < 6)
    ok = FALSE;
  if (!ok) {
    g_array_free (xy, TRUE);
    return fail (error, r->name,
        "zone must be at least three points \"x,y x,y x,y\" with x and y "
        "in 0..1 (fractions of the frame's width and height)");
  }
  r->n_zone = xy->len / 2;
  r->zone = (gdouble *) g_array_free (xy, FALSE);
  return TRUE;
}

static gint
parse_minutes (const gchar *s, gboolean allow_24)
{
  guint h, m;
  gchar tail;

  if (sscanf (s, "%2u:%2u%c", &h, &m, &tail) != 2 || m > 59 ||
      (h > 23 && !(allow_24 && h == 24 && m == 0)))
    return -1;
  return (gint) (h * 60 + m);
}

static gint
day_index (const gchar *s)
{
  for (guint i = 0; i < 7; i++)
    if (g_ascii_strncasecmp (s, day_names[i], 3) == 0 && strlen (s) == 3)
      return (gint) i;
  return -1;
}

static guint
parse_days (const gchar *s)
{
  const gchar *dash = strchr (s, '-');
  gint a, b;
  guint days = 0;

  if (g_ascii_strcasecmp (s, "daily") == 0)
    return 0x7f;
  if (dash == NULL) {
    a = day_index (s);
    return a < 0 ? 0 : 1u << a;
  }
  {
    gchar *first = g_strndup (s, dash - s);
    a = day_index (first);
    b = day_index (dash + 1);
    g_free (first);
  }
  if (a < 0 || b < 0)
    return 0;
  for (gint d = a;; d = (d + 1) % 7) {
    days |= 1u << d;
    if (d == b)
      break;
  }
  return days;
}

/* "Mon-Fri 18:00-07:00, Sat-Sun 00:00-24:00": an end before the start
 * runs past midnight (into the next day) */
static gboolean
parse_schedule (AxionAlertRule *r, const gchar *text, GError **error)
{
  gchar **slots = g_strsplit (text, ",", -1);
  gboolean ok = TRUE;

  r->schedule = g_array_new (FALSE, FALSE, sizeof (ScheduleSlot));
  for (guint i = 0; slots[i] && ok; i++) {
    gchar **w = g_strsplit_set (g_strstrip (slots[i]), " \t", -1);
    guint n = g_strv_length (w);
    const gchar *range = n ? w[n - 1] : "";
    const gchar *dash = strchr (range, '-');
    ScheduleSlot s = { 0x7f, -1, -1 };

    if (n == 2)
      s.days = parse_days (w[0]);
    if (dash && (n == 1 || n == 2)) {
      gchar *a = g_strndup (range, dash - range);
      s.start_min = parse_minutes (a, FALSE);
      s.end_min = parse_minutes (dash + 1, TRUE);
      g_free (a);
    }
    ok = s.days != 0 && s.start_min >= 0 && s.end_min >= 0;
    g_array_append_val (r->schedule, s);
    g_strfreev (w);
  }
  g_strfreev (slots);
  if (!ok)
    return fail (error, r->name,
        "schedule is a list of \"[DAYS] HH:MM-HH:MM\", e.g. \"Mon-Fri "
        "18:00-07:00, Sat-Sun 00:00-24:00\" (days: Mon..Sun, ranges "
        "Mon-Fri, or daily; an end before the start runs past midnight)");
  return TRUE;
}

static gboolean
get_ms (const GstStructure *s, const gchar *field, gint64 *out_us,
    const gchar *rule, GError **error)
{
  gint i;
  gdouble d;

  if (!gst_structure_has_field (s, field))
    return TRUE;
  if (gst_structure_get_int (s, field, &i))
    d = i;
  else if (!gst_structure_get_double (s, field, &d))
    return fail (error, rule, "%s must be a number", field);
  if (!(d >= 0 && d <= 1e9))
    return fail (error, rule, "%s must be 0 or more", field);
  *out_us = (gint64) (d * 1000);
  return TRUE;
}

static gboolean
get_ratio (const GstStructure *s, const gchar *field, gdouble *out,
    const gchar *rule, GError **error)
{
  gint i;
  gdouble d;

  if (!gst_structure_has_field (s, field))
    return TRUE;
  if (gst_structure_get_int (s, field, &i))
    d = i;
  else if (!gst_structure_get_double (s, field, &d))
    return fail (error, rule, "%s must be a number", field);
  if (!(d >= 0 && d <= 1))
    return fail (error, rule, "%s must be in 0..1", field);
  *out = d;
  return TRUE;
}

static gboolean
get_level (const GstStructure *s, const gchar *field, gint *out,
    const gchar *rule, GError **error)
{
  if (!gst_structure_has_field (s, field))
    return TRUE;
  if (!gst_structure_get_int (s, field, out) || *out < 1 || *out > 5)
    return fail (error, rule, "%s must be an integer 1..5", field);
  return TRUE;
}

static const gchar *const known_fields[] = { "name", "severity", "priority",
  "min-duration-ms", "cooldown-s", "clear-ms", "zone", "zone-name", "schedule",
  "min-score", "class", "min-confidence", "kind", "threshold", "event",
  "target", "direction", "min-occupancy", NULL };

static gboolean
check_field (GQuark field, const GValue *value, gpointer data)
{
  return g_strv_contains (known_fields, g_quark_to_string (field));
}

/* defaults per kind: what a user expects without tuning */
static void
rule_defaults (AxionAlertRule *r)
{
  r->severity = r->kind == AXION_RULE_SYSTEM ? 4 : 3;
  r->priority = 3;
  /* track rules: every track's event is news (one alert per track) */
  r->cooldown_us = r->kind == AXION_RULE_TRACK ? 0 : 60 * G_USEC_PER_SEC;
  r->clear_us = 2 * G_USEC_PER_SEC;
  r->min_duration_us = r->kind == AXION_RULE_TAMPER ? 5 * G_USEC_PER_SEC
      : r->kind == AXION_RULE_SYSTEM                ? 10 * G_USEC_PER_SEC
                                                    : 0;
  r->min_score = -1;
  r->min_confidence = 0.5;
  r->threshold = -1;
}

static gboolean
rule_kind_what (AxionAlertRule *r, const GstStructure *s, GError **error)
{
  const gchar *what = gst_structure_get_string (s, "kind");
  const gchar *klass = gst_structure_get_string (s, "class");

  if (r->kind == AXION_RULE_OBJECT) {
    r->what = g_strdup (klass);
    return TRUE;
  }
  if (r->kind == AXION_RULE_TRACK) {
    const gchar *ev = gst_structure_get_string (s, "event");
    const gchar *dir = gst_structure_get_string (s, "direction");
    if (ev == NULL || !g_strv_contains (track_events, ev))
      return fail (error, r->name,
          "track rules need event=zone_entered, zone_left, line_crossed or "
          "loitering (axiontrack's events)");
    if (dir && !g_str_equal (dir, "left-to-right") &&
        !g_str_equal (dir, "right-to-left"))
      return fail (error, r->name,
          "direction is left-to-right or right-to-left (see "
          "docs/elements/axiontrack.md)");
    if (gst_structure_has_field (s, "min-occupancy") &&
        (!gst_structure_get_int (s, "min-occupancy", &r->min_occupancy) ||
            r->min_occupancy < 1 ||
            !(g_str_equal (ev, "zone_entered") ||
                g_str_equal (ev, "loitering"))))
      return fail (error, r->name,
          "min-occupancy is an integer from 1, for event=zone_entered or "
          "loitering (tracks in the zone, this one included)");
    r->what = g_strdup (ev);
    r->track_class = g_strdup (klass);
    r->target = g_strdup (gst_structure_get_string (s, "target"));
    r->direction = g_strdup (dir);
    return TRUE;
  }
  if (r->kind == AXION_RULE_TAMPER) {
    what = what ? what : "covered";
    if (!g_str_equal (what, "covered") && !g_str_equal (what, "moved") &&
        !g_str_equal (what, "defocus"))
      return fail (error, r->name, "tamper kind is covered, moved or defocus");
  } else if (r->kind == AXION_RULE_SYSTEM) {
    what = what ? what : "accelerator-starved";
    if (!g_str_equal (what, "accelerator-starved"))
      return fail (error, r->name,
          "system kind is accelerator-starved (camera-offline and "
          "spool-filling are the runner's: see docs/alerts.md)");
  }
  r->what = g_strdup (what);
  return TRUE;
}

static AxionAlertRule *
rule_from_structure (
    const GstStructure *s, guint index, GTimeZone *tz, GError **error)
{
  AxionAlertRule *r = g_new0 (AxionAlertRule, 1);
  const gchar *kind = gst_structure_get_name (s), *str;
  gdouble cooldown_s = -1;
  gboolean ok = TRUE;
  guint k;

  for (k = 0; k < G_N_ELEMENTS (kind_names); k++)
    if (g_str_equal (kind, kind_names[k]))
      break;
  str = gst_structure_get_string (s, "name");
  r->name = str ? g_strdup (str) : g_strdup_printf ("%s-%u", kind, index + 1);
  r->tz = g_time_zone_ref (tz);
  r->tracks = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_queue_init (&r->pending);
  if (k == G_N_ELEMENTS (kind_names)) {
    fail (error, r->name,
        "unknown kind \"%s\" (motion, object, tamper, system, track)", kind);
    axion_alert_rule_free (r);
    return NULL;
  }
  r->kind = (AxionRuleKind) k;
  rule_defaults (r);
  if (!gst_structure_foreach (s, check_field, NULL))
    ok = fail (error, r->name,
        "unknown field (known: name, severity, priority, min-duration-ms, "
        "cooldown-s, clear-ms, zone, zone-name, schedule, min-score, class, "
        "min-confidence, kind, threshold, event, target, direction, "
        "min-occupancy)");
  ok = ok && get_level (s, "severity", &r->severity, r->name, error) &&
      get_level (s, "priority", &r->priority, r->name, error) &&
      get_ms (s, "min-duration-ms", &r->min_duration_us, r->name, error) &&
      get_ms (s, "clear-ms", &r->clear_us, r->name, error) &&
      get_ratio (s, "min-score", &r->min_score, r->name, error) &&
      get_ratio (s, "min-confidence", &r->min_confidence, r->name, error) &&
      get_ratio (s, "threshold", &r->threshold, r->name, error) &&
      rule_kind_what (r, s, error);
  if (ok && gst_structure_has_field (s, "cooldown-s")) {
    gint64 us = 0;
    ok = get_ms (s, "cooldown-s", &us, r->name, error);
    cooldown_s = us / 1000.0;
    r->cooldown_us = (gint64) (cooldown_s * G_USEC_PER_SEC);
  }
  if (ok && (str = gst_structure_get_string (s, "zone")))
    ok = parse_zone (r, str, error);
  if (ok && (str = gst_structure_get_string (s, "schedule")))
    ok = parse_schedule (r, str, error);
  str = gst_structure_get_string (s, "zone-name");
  r->zone_name = g_strdup (str ? str : r->zone ? r->name : NULL);
  if (!ok) {
    axion_alert_rule_free (r);
    return NULL;
  }
  return r;
}

GPtrArray *
axion_alert_rules_parse (const gchar *text, GTimeZone *tz, GError **error)
{
  GPtrArray *rules = g_ptr_array_new_with_free_func (
      (GDestroyNotify) axion_alert_rule_free);
  const gchar *p = text ? text : "";

  while (TRUE) {
    gchar *end = NULL;
    GstStructure *s;
    AxionAlertRule *r;

    while (g_ascii_isspace (*p) || *p == ';')
      p++;
    if (*p == '\0')
      break;
    s = gst_structure_from_string (p, &end);
    if (s == NULL) {
      gchar *near = g_strndup (p, 40);
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
          "rule %u: cannot parse \"%s\": a rule is \"kind, field=value, "
          "...\" and rules are separated by ';' (docs/elements/axionalert.md)",
          rules->len + 1, near);
      g_free (near);
      g_ptr_array_unref (rules);
      return NULL;
    }
    r = rule_from_structure (s, rules->len, tz, error);
    gst_structure_free (s);
    if (r == NULL) {
      g_ptr_array_unref (rules);
      return NULL;
    }
    for (guint i = 0; i < rules->len; i++) {
      if (g_str_equal (axion_alert_rule_name (rules->pdata[i]), r->name)) {
        fail (error, r->name, "two rules have this name");
        axion_alert_rule_free (r);
        g_ptr_array_unref (rules);
        return NULL;
      }
    }
    g_ptr_array_add (rules, r);
    p = end;
  }
  return rules;
}

/* ---- conditions --------------------------------------------------------- */

static gboolean
point_in_zone (const AxionAlertRule *r, gdouble x, gdouble y)
{
  gboolean in = FALSE;

  for (guint i = 0, j = r->n_zone - 1; i < r->n_zone; j = i++) {
    gdouble xi = r->zone[2 * i], yi = r->zone[2 * i + 1];
    gdouble xj = r->zone[2 * j], yj = r->zone[2 * j + 1];
    if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
      in = !in;
  }
  return in;
}

/* a motion region touches the zone: a corner or its centre inside, or a
 * zone vertex inside the region */
static gboolean
box_touches_zone (const AxionAlertRule *r, const AxionRuleBox *b)
{
  const gdouble px[5] = { b->x, b->x + b->w, b->x, b->x + b->w,
    b->x + b->w / 2 };
  const gdouble py[5] = { b->y, b->y, b->y + b->h, b->y + b->h,
    b->y + b->h / 2 };

  for (guint i = 0; i < 5; i++)
    if (point_in_zone (r, px[i], py[i]))
      return TRUE;
  for (guint i = 0; i < r->n_zone; i++) {
    gdouble x = r->zone[2 * i], y = r->zone[2 * i + 1];
    if (x >= b->x && x <= b->x + b->w && y >= b->y && y <= b->y + b->h)
      return TRUE;
  }
  return FALSE;
}

static gboolean
in_schedule (const AxionAlertRule *r, gint64 time_us)
{
  GDateTime *t;
  gint dow, min;
  gboolean in = FALSE;

  if (r->schedule == NULL)
    return TRUE;
  t = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);
  if (t == NULL)
    return FALSE;
  {
    GDateTime *local = g_date_time_to_timezone (t, r->tz);
    g_date_time_unref (t);
    t = local;
  }
  dow = g_date_time_get_day_of_week (t) - 1; /* 0 = Monday */
  min = g_date_time_get_hour (t) * 60 + g_date_time_get_minute (t);
  g_date_time_unref (t);
  for (guint i = 0; i < r->schedule->len && !in; i++) {
    ScheduleSlot *s = &g_array_index (r->schedule, ScheduleSlot, i);
    if (s->start_min < s->end_min)
      in = (s->days & (1u << dow)) && min >= s->start_min && min < s->end_min;
    else /* past midnight: the evening of a listed day, or the morning after */
      in = ((s->days & (1u << dow)) && min >= s->start_min) ||
          ((s->days & (1u << ((dow + 6) % 7))) && min < s->end_min);
  }
  return in;
}

static gboolean
motion_holds (const AxionAlertRule *r, const AxionRuleFrame *f, gdouble *score)
{
  const GstAxionFrameMeta *m = f->meta;

  if (m == NULL || !gst_axion_frame_meta_has (m, GST_AXION_FRAME_FIELD_MOTION))
    return FALSE;
  *score = m->motion_score;
  if (r->min_score >= 0 ? m->motion_score < r->min_score
                        : (m->motion_state == GST_AXION_MOTION_STATE_IDLE ||
                              m->motion_state == GST_AXION_MOTION_STATE_END))
    return FALSE;
  if (r->zone == NULL)
    return TRUE;
  for (guint i = 0; i < f->n_boxes; i++)
    if (f->boxes[i].label == NULL && box_touches_zone (r, &f->boxes[i]))
      return TRUE;
  return FALSE;
}

/* the best detection of the class (in the zone: its bottom centre, where
 * the object stands) */
static const AxionRuleBox *
object_match (const AxionAlertRule *r, const AxionRuleFrame *f,
    const AxionRuleBox *skip_tracks_of)
{
  const AxionRuleBox *best = NULL;

  for (guint i = 0; i < f->n_boxes; i++) {
    const AxionRuleBox *b = &f->boxes[i];
    if (b->label == NULL || b->confidence < r->min_confidence)
      continue;
    if (r->what && g_ascii_strcasecmp (b->label, r->what) != 0)
      continue;
    if (r->zone && !point_in_zone (r, b->x + b->w / 2, b->y + b->h))
      continue;
    if (skip_tracks_of && b->track_id > 0 &&
        g_hash_table_contains (r->tracks, &b->track_id))
      continue;
    if (best == NULL || b->confidence > best->confidence)
      best = b;
  }
  return best;
}

static gboolean
tamper_holds (const AxionAlertRule *r, const AxionRuleFrame *f, gdouble *value)
{
  const GstAxionFrameMeta *m = f->meta;

  if (m == NULL)
    return FALSE;
  if (g_str_equal (r->what, "moved")) {
    if (!gst_axion_frame_meta_has (m, GST_AXION_FRAME_FIELD_SCENE_CHANGE))
      return FALSE;
    *value = m->scene_change_ref_score;
    return *value >= (r->threshold >= 0 ? r->threshold : 0.5);
  }
  if (!gst_axion_frame_meta_has (m, GST_AXION_FRAME_FIELD_QUALITY))
    return FALSE;
  if (g_str_equal (r->what, "defocus")) {
    *value = m->quality.sharpness;
    return *value <= (r->threshold >= 0 ? r->threshold : 0.05);
  }
  /* covered: no contrast left (a hand, tape, paint, a dark cap) */
  *value = m->quality.contrast;
  return *value <= (r->threshold >= 0 ? r->threshold : 0.05);
}

static gboolean
system_holds (const AxionAlertRule *r, const AxionRuleFrame *f, gdouble *value)
{
  const GstAxionFrameMeta *m = f->meta;

  /* accelerator-starved: the frame's inference was stale (the detector
   * had no turn), or it waited longer than threshold x 10 s */
  if (m == NULL ||
      !gst_axion_frame_meta_has (m, GST_AXION_FRAME_FIELD_INFERENCE))
    return FALSE;
  *value = m->inference_wait_ms;
  return m->inference_state == GST_AXION_INFERENCE_STALE ||
      m->inference_wait_ms >= (r->threshold >= 0 ? r->threshold : 0.1) * 10000;
}

/* ---- alerts ------------------------------------------------------------- */

static GstAxionEventType
trigger_type (const AxionAlertRule *r)
{
  switch (r->kind) {
  case AXION_RULE_MOTION:
    return GST_AXION_EVENT_MOTION_START;
  case AXION_RULE_OBJECT:
    return GST_AXION_EVENT_OBJECT_DETECTED;
  case AXION_RULE_TAMPER:
    return GST_AXION_EVENT_SCENE_CHANGE;
  default:
    return GST_AXION_EVENT_QUALITY;
  }
}

/* the frame's event that triggered the alert: motion start/continue for
 * motion, object for object, scene change (else quality) for tamper */
static gint64
trigger_event (const AxionAlertRule *r, const GstAxionFrameMeta *m)
{
  gint64 id;

  if (m == NULL)
    return 0;
  id = gst_axion_frame_meta_get_event_id (m, trigger_type (r));
  if (id == 0 && r->kind == AXION_RULE_MOTION)
    id = gst_axion_frame_meta_get_event_id (m, GST_AXION_EVENT_MOTION_CONTINUE);
  if (id == 0 && r->kind == AXION_RULE_TAMPER)
    id = gst_axion_frame_meta_get_event_id (m, GST_AXION_EVENT_QUALITY);
  return id;
}

static GstAxionAlert *
make_alert (const AxionAlertRule *r, const AxionRuleFrame *f,
    const AxionRuleBox *obj, gdouble value)
{
  static const GstAxionAlertType types[] = { GST_AXION_ALERT_MOTION,
    GST_AXION_ALERT_OBJECT, GST_AXION_ALERT_ANOMALY, GST_AXION_ALERT_SYSTEM };
  GstAxionAlert *a = gst_axion_alert_new ();
  const gchar *where = r->zone_name ? r->zone_name : "view";
  gdouble held = (f->time_us - r->since_us) / 1e6;
  GString *data = g_string_new ("{\"zone\":");

  a->alert_id = gst_axion_id_next ();
  a->type = types[r->kind];
  a->severity = r->severity;
  a->priority = r->priority;
  a->camera_id = g_strdup (f->camera_id);
  a->rule = g_strdup (r->name);
  a->trigger_event_id = trigger_event (r, f->meta);
  a->frame_number = f->meta ? f->meta->frame_number : 0;
  a->created_us = f->time_us;
  if (r->zone_name)
    gst_axion_json_append_string (data, r->zone_name);
  else
    g_string_append (data, "null");
  g_string_append_printf (data, ",\"held_s\":%.3f", held);
  switch (r->kind) {
  case AXION_RULE_MOTION:
    a->title = g_strdup_printf ("Motion in %s on %s", where, f->camera_id);
    a->description = g_strdup_printf (
        "Motion (score %.3f) in %s for %.1f s", value, where, held);
    g_string_append_printf (data, ",\"motion_score\":%.4f", value);
    break;
  case AXION_RULE_OBJECT:
    a->title = g_strdup_printf (
        "%s in %s on %s", obj->label, where, f->camera_id);
    a->description = g_strdup_printf (
        "%s (confidence %.2f) in %s", obj->label, obj->confidence, where);
    a->detected_objects = g_new0 (gchar *, 2);
    a->detected_objects[0] = g_strdup (obj->label);
    a->confidence = obj->confidence;
    g_string_append_printf (data, ",\"bbox\":[%.4f,%.4f,%.4f,%.4f]", obj->x,
        obj->y, obj->w, obj->h);
    if (obj->track_id > 0)
      g_string_append_printf (
          data, ",\"track_id\":%" G_GINT64_FORMAT, obj->track_id);
    break;
  case AXION_RULE_TAMPER:
    a->title = g_strdup_printf ("Tamper (%s) on %s", r->what, f->camera_id);
    a->description = g_strdup_printf ("Camera %s: %s for %.1f s (value %.3f)",
        f->camera_id,
        g_str_equal (r->what, "covered")     ? "lens covered or blinded"
            : g_str_equal (r->what, "moved") ? "camera moved or view changed"
                                             : "image out of focus",
        held, value);
    g_string_append_printf (
        data, ",\"tamper\":\"%s\",\"value\":%.4f", r->what, value);
    break;
  default:
    a->title = g_strdup_printf ("Accelerator starved on %s", f->camera_id);
    a->description = g_strdup_printf (
        "Inference stale or waiting %.0f ms for %.1f s", value, held);
    g_string_append_printf (
        data, ",\"system\":\"%s\",\"wait_ms\":%.1f", r->what, value);
    break;
  }
  g_string_append_c (data, '}');
  a->data_json = g_string_free (data, FALSE);
  return a;
}

/* one alert per track: tracks seen in the last 10 minutes are kept */
static void
forget_old_tracks (AxionAlertRule *r, gint64 now)
{
  GHashTableIter it;
  gpointer k, v;

  g_hash_table_iter_init (&it, r->tracks);
  while (g_hash_table_iter_next (&it, &k, &v))
    if (now - GPOINTER_TO_SIZE (v) * (gint64) G_USEC_PER_SEC >
        600 * (gint64) G_USEC_PER_SEC)
      g_hash_table_iter_remove (&it);
}

static void
remember_tracks (AxionAlertRule *r, const AxionRuleFrame *f)
{
  for (guint i = 0; i < f->n_boxes; i++) {
    const AxionRuleBox *b = &f->boxes[i];
    if (b->track_id > 0 && g_hash_table_contains (r->tracks, &b->track_id))
      g_hash_table_replace (r->tracks, g_memdup2 (&b->track_id, 8),
          GSIZE_TO_POINTER ((gsize) (f->time_us / G_USEC_PER_SEC)));
  }
}

static gboolean
condition (AxionAlertRule *r, const AxionRuleFrame *f, gdouble *value,
    const AxionRuleBox **obj)
{
  switch (r->kind) {
  case AXION_RULE_MOTION:
    return motion_holds (r, f, value);
  case AXION_RULE_OBJECT:
    *obj = object_match (r, f, NULL);
    return *obj != NULL;
  case AXION_RULE_TAMPER:
    return tamper_holds (r, f, value);
  default:
    return system_holds (r, f, value);
  }
}

/* ---- track rules ------------------------------------------------------ */

/* The value of @key in axiontrack's event_data: a flat JSON object it
 * writes itself (strings with JSON escapes, numbers); NULL when absent. */
static gchar *
event_field (const gchar *json, const gchar *key)
{
  gchar *pat = g_strdup_printf ("\"%s\":", key);
  const gchar *p = strstr (json, pat);
  GString *v;

  g_free (pat);
  if (p == NULL)
    return NULL;
  p += strlen (key) + 3;
  v = g_string_new (NULL);
  if (*p == '"') {
    for (p++; *p && *p != '"'; p++) {
      if (*p == '\\' && p[1])
        p++; /* \" and \\ as the character; other escapes do not occur in
              * the names compared here */
      g_string_append_c (v, *p);
    }
  } else {
    while (*p && *p != ',' && *p != '}')
      g_string_append_c (v, *p++);
  }
  return g_string_free (v, FALSE);
}

static gboolean
field_is (const gchar *json, const gchar *key, const gchar *want)
{
  gchar *v;
  gboolean ok;

  if (want == NULL)
    return TRUE;
  v = event_field (json, key);
  ok = v && g_ascii_strcasecmp (v, want) == 0;
  g_free (v);
  return ok;
}

/* overcrowding: the zone holds at least @min tracks with this one */
static gboolean
occupied (const gchar *json, gint min)
{
  gchar *v;
  gint64 n;

  if (min <= 0)
    return TRUE;
  v = event_field (json, "occupancy");
  n = v ? g_ascii_strtoll (v, NULL, 10) : 0;
  g_free (v);
  return n >= min;
}

static GstAxionAlert *
track_alert (const AxionAlertRule *r, const AxionRuleFrame *f,
    const GstAxionFrameEvent *ev, const gchar *json)
{
  GstAxionAlert *a = gst_axion_alert_new ();
  gchar *klass = event_field (json, "class");
  gchar *zone = event_field (json, "zone");
  gchar *line = event_field (json, "line");
  gchar *dir = event_field (json, "direction");
  gchar *dwell = event_field (json, "dwell_s");
  const gchar *label = klass ? klass : "object";

  a->alert_id = gst_axion_id_next ();
  a->type = GST_AXION_ALERT_PATTERN;
  a->severity = r->severity;
  a->priority = r->priority;
  a->camera_id = g_strdup (f->camera_id);
  a->rule = g_strdup (r->name);
  a->trigger_event_id = ev->id;
  a->frame_number = f->meta->frame_number;
  a->created_us = f->time_us;
  a->detected_objects = g_new0 (gchar *, 2);
  a->detected_objects[0] = g_strdup (label);
  a->confidence = -1;
  if (ev->type == GST_AXION_EVENT_LINE_CROSSED)
    a->title = g_strdup_printf ("%s crossed %s (%s) on %s", label,
        line ? line : "?", dir ? dir : "?", f->camera_id);
  else if (ev->type == GST_AXION_EVENT_LOITERING)
    a->title = g_strdup_printf ("%s loitering in %s (%s s) on %s", label,
        zone ? zone : "?", dwell ? dwell : "?", f->camera_id);
  else
    a->title = g_strdup_printf ("%s %s %s on %s", label,
        ev->type == GST_AXION_EVENT_ZONE_ENTERED ? "entered" : "left",
        zone ? zone : "?", f->camera_id);
  a->description = g_strdup (a->title);
  /* the event's own data, with its type first */
  a->data_json = g_strdup_printf ("{\"event\":\"%s\",%s", r->what, json + 1);
  g_free (klass);
  g_free (zone);
  g_free (line);
  g_free (dir);
  g_free (dwell);
  return a;
}

/* every matching track event of the frame makes an alert, once per track
 * (a track that comes back to the zone does not alert again); more than
 * one in a frame: the rest come out with the next frames */
static GstAxionAlert *
track_eval (AxionAlertRule *r, const AxionRuleFrame *f)
{
  GstCustomMeta *cm = f->buffer
      ? gst_buffer_get_custom_meta (f->buffer, GST_AXION_EVENT_DATA_META)
      : NULL;
  const GstStructure *data = cm ? gst_custom_meta_get_structure (cm) : NULL;
  gint64 t = f->time_us;

  for (guint i = 0; data && f->meta && i < f->meta->n_events; i++) {
    const GstAxionFrameEvent *ev = &f->meta->events[i];
    const gchar *json;
    gchar key[32], *tid;
    gint64 track_id;

    if (!g_str_equal (gst_axion_event_type_db_name (ev->type), r->what))
      continue;
    g_snprintf (key, sizeof (key), "e%" G_GINT64_FORMAT, ev->id);
    json = gst_structure_get_string (data, key);
    if (json == NULL || json[0] != '{' || !in_schedule (r, t) ||
        !field_is (json, "class", r->track_class) ||
        !(field_is (json, "zone", r->target) ||
            field_is (json, "line", r->target)) ||
        !field_is (json, "direction", r->direction) ||
        !occupied (json, r->min_occupancy))
      continue;
    tid = event_field (json, "track_id");
    track_id = tid ? g_ascii_strtoll (tid, NULL, 10) : 0;
    g_free (tid);
    if (track_id > 0 && g_hash_table_contains (r->tracks, &track_id))
      continue;
    if (track_id > 0)
      g_hash_table_replace (r->tracks, g_memdup2 (&track_id, 8),
          GSIZE_TO_POINTER ((gsize) (t / G_USEC_PER_SEC)));
    if (r->last_fire_us && t - r->last_fire_us < r->cooldown_us) {
      r->n_suppressed++;
      continue;
    }
    r->last_fire_us = t;
    r->n_fired++;
    g_queue_push_tail (&r->pending, track_alert (r, f, ev, json));
  }
  forget_old_tracks (r, t);
  return g_queue_pop_head (&r->pending);
}

GstAxionAlert *
axion_alert_rule_eval (AxionAlertRule *r, const AxionRuleFrame *f)
{
  const AxionRuleBox *obj = NULL;
  gdouble value = 0;
  gboolean holds;
  gint64 t = f->time_us;

  if (r->kind == AXION_RULE_TRACK)
    return track_eval (r, f);
  /* the camera's clock went back: start over rather than misjudge a
   * duration */
  if (t < r->last_time_us) {
    r->since_us = r->false_since_us = 0;
    r->fired = FALSE;
  }
  r->last_time_us = t;
  holds = in_schedule (r, t) && condition (r, f, &value, &obj);
  if (!holds) {
    if (r->since_us && r->false_since_us == 0)
      r->false_since_us = t;
    if (r->since_us && t - r->false_since_us >= r->clear_us) {
      r->since_us = r->false_since_us = 0;
      r->fired = FALSE;
    }
    return NULL;
  }
  if (r->since_us == 0)
    r->since_us = t;
  r->false_since_us = 0;
  if (t - r->since_us < r->min_duration_us)
    return NULL;
  if (r->kind == AXION_RULE_OBJECT) {
    /* tracked objects: one alert per track; untracked: per episode */
    const AxionRuleBox *fresh = object_match (r, f, obj);
    remember_tracks (r, f);
    forget_old_tracks (r, t);
    if (fresh && fresh->track_id > 0) {
      obj = fresh;
      r->fired = FALSE;
    } else if (obj->track_id > 0) {
      return NULL; /* every track here has had its alert */
    }
  }
  if (r->fired)
    return NULL;
  if (r->last_fire_us && t - r->last_fire_us < r->cooldown_us) {
    r->n_suppressed++;
    r->fired = TRUE; /* this episode is covered by the earlier alert */
    if (obj && obj->track_id > 0)
      g_hash_table_replace (r->tracks, g_memdup2 (&obj->track_id, 8),
          GSIZE_TO_POINTER ((gsize) (t / G_USEC_PER_SEC)));
    return NULL;
  }
  r->fired = TRUE;
  r->last_fire_us = t;
  r->n_fired++;
  if (obj && obj->track_id > 0)
    g_hash_table_replace (r->tracks, g_memdup2 (&obj->track_id, 8),
        GSIZE_TO_POINTER ((gsize) (t / G_USEC_PER_SEC)));
  return make_alert (r, f, obj, obj ? obj->confidence : value);
}

const gchar *
axion_alert_rule_name (const AxionAlertRule *r)
{
  return r->name;
}

guint64
axion_alert_rule_fired (const AxionAlertRule *r)
{
  return r->n_fired;
}

guint64
axion_alert_rule_suppressed (const AxionAlertRule *r)
{
  return r->n_suppressed;
}

void
axion_alert_rule_free (AxionAlertRule *r)
{
  if (r == NULL)
    return;
  g_free (r->name);
  g_free (r->what);
  g_free (r->zone);
  g_free (r->zone_name);
  if (r->schedule)
    g_array_free (r->schedule, TRUE);
  if (r->tz)
    g_time_zone_unref (r->tz);
  g_hash_table_unref (r->tracks);
  g_free (r->target);
  g_free (r->direction);
  g_free (r->track_class);
  g_queue_clear_full (&r->pending, (GDestroyNotify) gst_axion_alert_free);
  g_free (r);
}
