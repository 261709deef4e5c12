/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_HASH_H__
#define __GST_AXION_HASH_H__

#include <gst/axion/axion.h>

G_BEGIN_DECLS

#define GST_TYPE_AXION_HASH (gst_axion_hash_get_type ())
G_DECLARE_FINAL_TYPE (
    GstAxionHash, gst_axion_hash, GST, AXION_HASH, GstAxionVideoAnalyzer)

/**
 * GstAxionHashAlgorithm:
 * @GST_AXION_HASH_ALGORITHM_NONE: no exact hash
 * @GST_AXION_HASH_ALGORITHM_XXH3: xxh3-64 (libxxhash), 16 hex digits
 * @GST_AXION_HASH_ALGORITHM_SHA256: SHA-256, 64 hex digits
 */
typedef enum
{
  GST_AXION_HASH_ALGORITHM_NONE,
  GST_AXION_HASH_ALGORITHM_XXH3,
  GST_AXION_HASH_ALGORITHM_SHA256,
} GstAxionHashAlgorithm;

GST_ELEMENT_REGISTER_DECLARE (axionhash);

G_END_DECLS

#endif /* __GST_AXION_HASH_H__ */
