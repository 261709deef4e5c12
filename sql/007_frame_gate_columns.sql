-- Axion migration 007: how a frame was decoded (axiongate).
--
-- CHANGE: the schema document's frame_metadata has no way to tell frames a
-- camera sent from frames Axion decoded and analysed. With motion-gated
-- decoding (axiongate, docs/elements/axiongate.md) an idle camera decodes
-- one frame per GOP, so frame_number skips over frames that were sampled
-- out on purpose; a user counting rows must not take them for lost ones,
-- and must know that a replayed frame was analysed late. Three columns,
-- NULL for a frame that did not go through axiongate (every frame decoded):
--   frames_received  frames of the camera's stream the gate received up to
--                    and including this one, since the gate started (a
--                    restarted camera pipeline counts from 0 again)
--   frames_decoded   frames it passed to the decoder up to and including
--                    this one (replayed ones included): over any two rows
--                    of a camera, the difference of frames_decoded over the
--                    difference of frames_received is the share analysed,
--                    whatever frame-interval the sink writes rows at
--   gate_state       'sampled'  an idle camera's keyframe: the frames
--                               before it were not decoded
--                    'full'     no frame before it was left out (a woken
--                               camera, gated=false, MJPEG, or the first
--                               keyframe of an idle camera)
--                    'replayed' held while idle and decoded late, on a wake
--                               (its frame_timestamp is its capture time)
ALTER TABLE frame_metadata
    ADD COLUMN IF NOT EXISTS frames_received BIGINT,
    ADD COLUMN IF NOT EXISTS frames_decoded BIGINT,
    ADD COLUMN IF NOT EXISTS gate_state VARCHAR(16);

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                    WHERE conrelid = 'frame_metadata'::regclass
                      AND conname = 'chk_frame_metadata_gate') THEN
        ALTER TABLE frame_metadata ADD CONSTRAINT chk_frame_metadata_gate
            CHECK (gate_state IN ('sampled', 'full', 'replayed')
                   AND frames_decoded <= frames_received);
    END IF;
END
$$;
