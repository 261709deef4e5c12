-- Axion migration 005: node leases for pipeline-generated ids.
--
-- CHANGE (not in the schema document): ids carry a 12-bit node number
-- (gst-libs/gst/axion/gstaxionid.h). Picked locally (5 bits of host hash,
-- 7 bits of per-host slot) two hosts share it with probability 1/32 (cloned
-- VM images always), and two writers on one node make the same id whenever
-- both take one in the same millisecond with the same sequence number. So a
-- process that writes to this database leases its node here instead: one
-- row per node, held by one holder until expires_at (the server's clock,
-- so host clocks need not agree).
--
-- Why not advisory locks: they live in a session, and PgBouncer in
-- transaction pooling hands each transaction to any server session. Each
-- function below is one statement in its own transaction: safe through
-- PgBouncer.
--
-- A holder's ids are also bounded in time: it declares id_ms_cap (ms since
-- the Unix epoch, its own clock) and makes no id whose time part is later.
-- The next holder of the node starts its ids after that cap (floor_ms), so
-- even two hosts whose clocks disagree never make the same id on one node.
CREATE TABLE axion_node_leases (
    node_id INTEGER PRIMARY KEY CHECK (node_id BETWEEN 0 AND 4095),
    holder TEXT NOT NULL DEFAULT '',        -- 'host/pid/random': who holds it
    acquired_at TIMESTAMPTZ,                -- server clock
    renewed_at TIMESTAMPTZ,                 -- server clock
    expires_at TIMESTAMPTZ NOT NULL DEFAULT '-infinity', -- server clock
    id_ms_cap BIGINT NOT NULL DEFAULT 0,    -- holder's clock, see above
    renewals BIGINT NOT NULL DEFAULT 0,     -- since acquired (monitoring)
    takeovers BIGINT NOT NULL DEFAULT 0     -- times taken after an expiry
);

INSERT INTO axion_node_leases (node_id) SELECT generate_series(0, 4095);

-- A free node (never held, released, or expired) for p_holder until
-- p_ttl_ms from now. Returns the node and floor_ms: the previous holder's
-- id_ms_cap, after which this holder's ids must start. No row when all
-- 4096 nodes are held. Concurrent callers never get one node: the row is
-- locked, and locked rows are skipped.
CREATE FUNCTION axion_node_lease_acquire(p_holder TEXT, p_ttl_ms INTEGER,
                                         p_cap_ms BIGINT)
RETURNS TABLE (node_id INTEGER, floor_ms BIGINT)
LANGUAGE sql AS $$
    WITH c AS (
        SELECT l.node_id, l.id_ms_cap, l.holder <> '' AS taken_over
        FROM axion_node_leases l
        WHERE l.expires_at < clock_timestamp()
        -- the longest free first: the most time since its last id
        ORDER BY l.expires_at, l.node_id
        LIMIT 1
        FOR UPDATE SKIP LOCKED)
    UPDATE axion_node_leases l
    SET holder = p_holder, acquired_at = clock_timestamp(),
        renewed_at = clock_timestamp(),
        expires_at = clock_timestamp() + p_ttl_ms * interval '1 ms',
        id_ms_cap = GREATEST(l.id_ms_cap, p_cap_ms), renewals = 0,
        takeovers = l.takeovers + c.taken_over::int
    FROM c WHERE l.node_id = c.node_id
    RETURNING l.node_id, c.id_ms_cap;
$$;

-- Extends p_holder's lease on p_node. FALSE when another holder took the
-- node (ours had expired): the caller must stop making ids on it. An
-- expired lease nobody took is still ours (nobody made ids on the node).
CREATE FUNCTION axion_node_lease_renew(p_node INTEGER, p_holder TEXT,
                                       p_ttl_ms INTEGER, p_cap_ms BIGINT)
RETURNS BOOLEAN
LANGUAGE sql AS $$
    WITH r AS (
        UPDATE axion_node_leases
        SET renewed_at = clock_timestamp(),
            expires_at = clock_timestamp() + p_ttl_ms * interval '1 ms',
            id_ms_cap = GREATEST(id_ms_cap, p_cap_ms), renewals = renewals + 1
        WHERE node_id = p_node AND holder = p_holder
        RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM r);
$$;

-- p_holder made its last id on p_node (at p_last_ms): the node is free at
-- once, and the next holder starts after p_last_ms instead of the cap.
CREATE FUNCTION axion_node_lease_release(p_node INTEGER, p_holder TEXT,
                                         p_last_ms BIGINT)
RETURNS BOOLEAN
LANGUAGE sql AS $$
    WITH r AS (
        UPDATE axion_node_leases
        SET holder = '', expires_at = '-infinity', id_ms_cap = p_last_ms
        WHERE node_id = p_node AND holder = p_holder
        RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM r);
$$;
