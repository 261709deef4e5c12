-- The schema document's §6.1 "Common read queries", verbatim. The schema
-- test runs each one (ON_ERROR_STOP) against the migrated schema.

-- 1. Get recent events for a camera (last hour)
SELECT
    event_id,
    event_type,
    event_timestamp,
    motion_score,
    object_count,
    objects_detected
FROM camera_events
WHERE camera_id = 'CAM001'
AND event_timestamp > NOW() - INTERVAL '1 hour'
ORDER BY event_timestamp DESC
LIMIT 100;

-- 2. Find events with specific object class
SELECT
    camera_id,
    event_timestamp,
    objects_detected
FROM camera_events
WHERE objects_detected @> '[{"class": "person"}]'::jsonb
AND event_timestamp > NOW() - INTERVAL '24 hours'
ORDER BY event_timestamp DESC;

-- 3. Get Claude analyses with high risk
SELECT
    a.analysis_id,
    a.camera_id,
    a.event_timestamp,
    a.primary_insight,
    a.risk_assessment,
    e.objects_detected
FROM claude_analyses a
JOIN camera_events e ON a.trigger_event_id = e.event_id
WHERE a.risk_assessment IN ('high', 'critical')
AND a.event_timestamp > NOW() - INTERVAL '7 days'
ORDER BY a.event_timestamp DESC;

-- 4. Get active alerts grouped by camera
SELECT
    camera_id,
    COUNT(*) as alert_count,
    MAX(severity) as max_severity,
    MIN(created_at) as oldest_alert
FROM alerts
WHERE status = 'new'
GROUP BY camera_id
ORDER BY max_severity DESC, alert_count DESC;

-- 5. Time-series aggregation (events per minute, last hour)
SELECT
    DATE_TRUNC('minute', event_timestamp) as minute,
    COUNT(*) as event_count,
    AVG(motion_score) as avg_motion,
    SUM(object_count) as total_objects
FROM camera_events
WHERE camera_id = 'CAM001'
AND event_timestamp > NOW() - INTERVAL '1 hour'
GROUP BY DATE_TRUNC('minute', event_timestamp)
ORDER BY minute DESC;

-- 6. Multi-camera correlation (find simultaneous events)
WITH camera_events_windowed AS (
    SELECT
        camera_id,
        event_timestamp,
        event_type,
        LAG(event_timestamp) OVER (ORDER BY event_timestamp) as prev_event_time
    FROM camera_events
    WHERE event_type = 'motion'
    AND event_timestamp > NOW() - INTERVAL '10 minutes'
)
SELECT
    camera_id,
    event_timestamp,
    event_timestamp - prev_event_time as time_diff
FROM camera_events_windowed
WHERE event_timestamp - prev_event_time < INTERVAL '5 seconds'
ORDER BY event_timestamp;

-- 7. Scene change detection (duplicate frames)
SELECT
    camera_id,
    scene_hash,
    COUNT(*) as duplicate_count,
    MIN(event_timestamp) as first_seen,
    MAX(event_timestamp) as last_seen
FROM camera_events
WHERE camera_id = 'CAM001'
AND event_timestamp > NOW() - INTERVAL '1 hour'
AND scene_hash IS NOT NULL
GROUP BY camera_id, scene_hash
HAVING COUNT(*) > 5
ORDER BY duplicate_count DESC;
