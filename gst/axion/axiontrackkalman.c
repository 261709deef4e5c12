/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "axiontrackkalman.h"

/* Noise as fractions of the box height (DeepSORT's weights): the filter
 * behaves the same for near and far objects and for any frame size. */
#define STD_POS 0.05f    /* process and measurement noise, position */
#define STD_VEL 0.00625f /* process noise, velocity (per frame) */
#define STD_VEL_INIT 0.1f
/* the smallest box side kept by prediction (a shrinking box must not turn
 * negative across many predicted frames) */
#define MIN_SIDE 1e-4f
#define SIZE_VEL_DECAY 0.9f

static void
to_meas (const AxionTrackBox *b, gfloat z[4])
{
  z[0] = b->x + b->w / 2;
  z[1] = b->y + b->h / 2;
  z[2] = b->w;
  z[3] = b->h;
}

void
axion_track_kalman_init (AxionTrackKalman *k, const AxionTrackBox *box)
{
  gfloat h = MAX (box->h, MIN_SIDE);

  to_meas (box, k->pos);
  for (gint i = 0; i < 4; i++) {
    gfloat sp = 2 * STD_POS * h, sv = STD_VEL_INIT * h;
    k->vel[i] = 0;
    k->p_pp[i] = sp * sp;
    k->p_pv[i] = 0;
    k->p_vv[i] = sv * sv;
  }
}

void
axion_track_kalman_predict (AxionTrackKalman *k)
{
  gfloat h = MAX (k->pos[3], MIN_SIDE);
  gfloat qp = (STD_POS * h) * (STD_POS * h);
  gfloat qv = (STD_VEL * h) * (STD_VEL * h);

  /* the size's velocity decays: a box that grew from noise must not keep
   * growing through a long occlusion (it then overlapped nobody) */
  k->vel[2] *= SIZE_VEL_DECAY;
  k->vel[3] *= SIZE_VEL_DECAY;
  for (gint i = 0; i < 4; i++) {
    /* x' = F x, P' = F P F^T + Q with F = [[1,1],[0,1]] */
    k->pos[i] += k->vel[i];
    k->p_pp[i] += 2 * k->p_pv[i] + k->p_vv[i] + qp;
    k->p_pv[i] += k->p_vv[i];
    k->p_vv[i] += qv;
  }
  k->pos[2] = MAX (k->pos[2], MIN_SIDE);
  k->pos[3] = MAX (k->pos[3], MIN_SIDE);
}

void
axion_track_kalman_update (AxionTrackKalman *k, const AxionTrackBox *box)
{
  gfloat z[4], h = MAX (k->pos[3], MIN_SIDE);
  gfloat r = (STD_POS * h) * (STD_POS * h);

  to_meas (box, z);
  for (gint i = 0; i < 4; i++) {
    gfloat s = k->p_pp[i] + r;
    gfloat k0 = k->p_pp[i] / s, k1 = k->p_pv[i] / s;
    gfloat y = z[i] - k->pos[i];
    gfloat pp = k->p_pp[i], pv = k->p_pv[i];

    k->pos[i] += k0 * y;
    k->vel[i] += k1 * y;
    /* P = (I - K H) P */
    k->p_pp[i] = (1 - k0) * pp;
    k->p_pv[i] = (1 - k0) * pv;
    k->p_vv[i] -= k1 * pv;
  }
  k->pos[2] = MAX (k->pos[2], MIN_SIDE);
  k->pos[3] = MAX (k->pos[3], MIN_SIDE);
}

void
axion_track_kalman_box (const AxionTrackKalman *k, AxionTrackBox *box)
{
  box->w = k->pos[2];
  box->h = k->pos[3];
  box->x = k->pos[0] - box->w / 2;
  box->y = k->pos[1] - box->h / 2;
}
