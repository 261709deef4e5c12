/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * libFuzzer target: axiongate's H.264 macroblock map
 * (gst/axion/axionh264mb.c, axionh264cabac.c, axionh264hdr.c) on
 * arbitrary access units and avcC records: a camera's stream is input
 * from the network. Seeds (corpus/h264_mb/): SPS, PPS and predicted
 * slices of small x264 streams. */
#include <stddef.h>
#include <stdint.h>

#include "axionh264mb.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  AxionH264Mb *m = axion_h264_mb_new ();
  const gchar *why = NULL;
  guint w = 0, h = 0;
  const guint8 *map;

  /* twice: the second time with the parameter sets of the first */
  for (int i = 0; i < 2; i++)
    if (axion_h264_mb_parse_au (m, data, size, &why) == AXION_H264_MB_OK) {
      map = axion_h264_mb_map (m, &w, &h);
      /* every macroblock of the map is one of the three kinds */
      for (guint k = 0; map && k < w * h; k++)
        if (map[k] > AXION_H264_MB_INTRA)
          __builtin_trap ();
    }
  /* the same bytes as an avcC, then as length-prefixed NAL units */
  if (axion_h264_mb_set_codec_data (m, data, size))
    axion_h264_mb_parse_au (m, data, size, &why);
  axion_h264_mb_free (m);
  return 0;
}
