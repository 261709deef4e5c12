-- ============================================================================
-- Optional: the schema document's sample data (§4.2).
-- Applied by `tools/axion-db migrate --sample-data`, recorded in
-- schema_migrations as 'sample_data'; removed by rollback like everything.
--
-- The document hard-codes trigger_event_id = 1, assuming the first event
-- got id 1; here the analysis and the alert reference the ids the events
-- actually received, so the sample is correct in a database that already
-- has rows.
-- ============================================================================

INSERT INTO cameras (camera_id, camera_name, ip_address, model, status) VALUES
  ('CAM001', 'Front Entrance', '192.168.1.101', 'AXIS P3245-LVE', 'online'),
  ('CAM002', 'Parking Lot', '192.168.1.102', 'AXIS Q1656-LE', 'online'),
  ('CAM003', 'Back Door', '192.168.1.103', 'AXIS M3067-P', 'online')
ON CONFLICT (camera_id) DO NOTHING;

DO $$
DECLARE
    v_event bigint;
    v_analysis bigint;
BEGIN
    INSERT INTO camera_events (
        camera_id, event_type, event_timestamp, frame_number,
        motion_score, object_count, objects_detected
    ) VALUES
      ('CAM001', 'motion', NOW() - INTERVAL '5 minutes', 1000, 0.75, 1, '[{"class":"person","confidence":0.92}]'::jsonb)
    RETURNING event_id INTO v_event;

    INSERT INTO camera_events (
        camera_id, event_type, event_timestamp, frame_number,
        motion_score, object_count, objects_detected
    ) VALUES
      ('CAM001', 'object_detected', NOW() - INTERVAL '3 minutes', 1200, 0.45, 2, '[{"class":"person","confidence":0.88},{"class":"car","confidence":0.95}]'::jsonb),
      ('CAM002', 'scene_change', NOW() - INTERVAL '1 minute', 5000, 0.20, 0, '[]'::jsonb);

    INSERT INTO claude_analyses (
        trigger_event_id, camera_id, event_timestamp, request_type,
        claude_response, primary_insight, risk_assessment
    ) VALUES
      (v_event, 'CAM001', NOW() - INTERVAL '5 minutes', 'scene_description',
       '{"content":"A person walking near the entrance"}'::jsonb,
       'Normal activity - single person entering building',
       'none')
    RETURNING analysis_id INTO v_analysis;

    INSERT INTO alerts (
        alert_type, severity, camera_id, trigger_event_id, title, description
    ) VALUES
      ('motion', 3, 'CAM001', v_event, 'Motion Detected at Front Entrance',
       'Person detected near entrance at unusual hour');
END $$;
