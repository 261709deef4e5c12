/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axionalert's rules: parsing and evaluation, apart from the element so
 * they are tested without a pipeline.
 */
#pragma once

#include <gst/axion/axion.h>

G_BEGIN_DECLS

typedef enum
{
  AXION_RULE_MOTION,
  AXION_RULE_OBJECT,
  AXION_RULE_TAMPER,
  AXION_RULE_SYSTEM,
  AXION_RULE_TRACK, /* axiontrack's zone, line and loitering events */
} AxionRuleKind;

typedef struct
{
  gdouble x, y, w, h; /* normalised 0..1 */
  const gchar *label; /* NULL: a motion region */
  gdouble confidence;
  gint64 track_id; /* <= 0: none */
} AxionRuleBox;

/* what a rule sees of one frame */
typedef struct
{
  const GstAxionFrameMeta *meta; /* nullable */
  const gchar *camera_id;
  gint64 time_us; /* capture time (camera clock), Unix us */
  const AxionRuleBox *boxes;
  guint n_boxes;
  GstBuffer *buffer; /* nullable: the event data of track events */
} AxionRuleFrame;

typedef struct _AxionAlertRule AxionAlertRule;

/* "kind, field=value, ...; kind, ..." (GstStructure syntax, one per rule;
 * docs/elements/axionalert.md lists the fields). @tz: schedules' zone. */
GPtrArray *
axion_alert_rules_parse (const gchar *text, GTimeZone *tz, GError **error);

const gchar *axion_alert_rule_name (const AxionAlertRule *rule);
guint64 axion_alert_rule_fired (const AxionAlertRule *rule);
guint64 axion_alert_rule_suppressed (const AxionAlertRule *rule);

/* Feeds one frame; returns the alert when the rule fires on it (its
 * condition held min-duration-ms, outside cooldown, not yet alerted for
 * this episode or track), else NULL. */
GstAxionAlert *
axion_alert_rule_eval (AxionAlertRule *rule, const AxionRuleFrame *frame);

void axion_alert_rule_free (AxionAlertRule *rule);

G_END_DECLS
