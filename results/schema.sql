-- lab results database, schema version 5 (PRAGMA user_version = 5).
-- Version 2 added node_versions; version 3 runs.replays; version 4
-- runs.uuid and runs.label (ALTER TABLEs for older files; their runs get a
-- uuid made from host, pid and start time, the same in every copy);
-- version 5 manager_events.
-- One row per run; steps, checks, anomalies and per-second workload
-- figures hang off it. Times are Unix seconds (REAL, UTC).
-- A change of schema bumps user_version and adds a migration in resultsdb.c.

CREATE TABLE IF NOT EXISTS runs (
    id              INTEGER PRIMARY KEY,
    scenario        TEXT NOT NULL,          -- scenario name (or 'cluster', 'check', 'workload')
    scenario_file   TEXT,
    scenario_hash   TEXT,                   -- SHA-256 of the scenario file
    seed            INTEGER,
    backend         TEXT,
    flavor          TEXT,
    nodes           INTEGER,
    server_version  TEXT,
    galera_version  TEXT,
    cache_mode      TEXT,
    mysqld_options  TEXT,                   -- "key=value" lines, as given to every node
    tags            TEXT,                   -- bug ids etc., comma-separated
    lab_version     TEXT,
    host            TEXT,                   -- machine the run was made on
    pid             INTEGER,                -- lab's pid while running
    started_at      REAL NOT NULL,
    ended_at        REAL,
    verdict         TEXT NOT NULL DEFAULT 'running'
                    CHECK (verdict IN ('running','pass','fail','broken','skip','aborted')),
    reason          TEXT,                   -- one line: why fail / broken / skip / aborted
    replays         INTEGER,                -- the run this one replays (lab replay, lab shrink), or NULL
    uuid            TEXT,                   -- the run's identity in every database (lab results merge): a
                                            -- random UUID; 'legacy:HOST:PID:STARTED_AT' for older runs
    label           TEXT                    -- a plan's run: its axis values, e.g. 'cache_mode=none mysqld=durable'
);
CREATE UNIQUE INDEX IF NOT EXISTS runs_uuid ON runs(uuid);

CREATE TABLE IF NOT EXISTS steps (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,           -- 1-based position in the scenario; 0 for cleanup/undo
    action      TEXT NOT NULL,              -- kill, partition, undo:partition, ...
    node        TEXT,                       -- '2', 'all', '1,3' or NULL
    started_at  REAL NOT NULL,
    ended_at    REAL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('running','ok','error','skipped')),
    detail      TEXT
);
CREATE INDEX IF NOT EXISTS steps_run ON steps(run_id, seq);

CREATE TABLE IF NOT EXISTS checks (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    checker     TEXT NOT NULL,              -- invariants, durability, convergence, split-brain
    expected    TEXT,                       -- pass | fail | any | primary | ...
    actual      TEXT NOT NULL,              -- pass | fail | broken | primary | no-primary | ...
    anomalies   INTEGER NOT NULL DEFAULT 0,
    details     TEXT                        -- the human summary
);
CREATE INDEX IF NOT EXISTS checks_run ON checks(run_id);

CREATE TABLE IF NOT EXISTS anomalies (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    checker     TEXT NOT NULL,
    kind        TEXT NOT NULL,              -- e.g. lost-ok, phantom, orphan-credit, balance-drift, errant-gtid
    tbl         TEXT,                       -- table the anomaly is in
    row_id      INTEGER,                    -- primary key of the row
    txn_id      INTEGER,                    -- journal transaction
    node        TEXT,                       -- node that acknowledged it / holds it
    detail      TEXT
);
CREATE INDEX IF NOT EXISTS anomalies_run ON anomalies(run_id, kind);

CREATE TABLE IF NOT EXISTS workload_seconds (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    t           INTEGER NOT NULL,           -- Unix second
    ok          INTEGER NOT NULL,
    failed      INTEGER NOT NULL,
    unknown     INTEGER NOT NULL,
    p50_ms      REAL,
    p95_ms      REAL,
    p99_ms      REAL,
    PRIMARY KEY (run_id, t)
);

CREATE TABLE IF NOT EXISTS node_states (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    t           REAL NOT NULL,
    node        INTEGER NOT NULL,
    state       TEXT NOT NULL,              -- down, Synced, Donor/Desynced, non-Primary, primary, replica, ...
    detail      TEXT
);
CREATE INDEX IF NOT EXISTS node_states_run ON node_states(run_id, t);

-- Schema version 2: the server build of each node (several builds side by
-- side, rolling upgrades). One row per node at cluster up (step_seq 0) and
-- one per upgrade step. The migration from 1 is this CREATE: older
-- databases stay readable, their runs simply have no rows here.
CREATE TABLE IF NOT EXISTS node_versions (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    t           REAL NOT NULL,
    node        INTEGER NOT NULL,
    version     TEXT NOT NULL,              -- the server's VERSION(), e.g. 10.11.18-MariaDB-0+deb12u1
    step_seq    INTEGER NOT NULL DEFAULT 0  -- the upgrade step; 0 at cluster up
);
CREATE INDEX IF NOT EXISTS node_versions_run ON node_versions(run_id, t);

-- Schema version 5: what a failover manager (cluster.manager: Pacemaker)
-- did to each node during the run, read from its own records (each node's
-- pacemaker.log, fence_lab's log) before the cluster is torn down, and the
-- failover times lab measured from them. The migration from 4 is this
-- CREATE.
CREATE TABLE IF NOT EXISTS manager_events (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    t           REAL NOT NULL,              -- Unix seconds
    node        INTEGER NOT NULL,
    kind        TEXT NOT NULL,              -- start, stop, promote, demote, failed (its monitor found the
                                            -- database down or failing), bootstrap (Galera: a new Primary
                                            -- component), fence, lost (left a node's membership, one row per
                                            -- node that saw it); failover: lab's measure, at the first ok
                                            -- transaction
    result      TEXT,                       -- ok, not running, error, power cut, ...
    seconds     REAL,                       -- failover: from the fault step's start to the first ok
                                            -- transaction on the node the manager promoted
    detail      TEXT                        -- the manager's own words; failover: the fault, promote and first ok
);
CREATE INDEX IF NOT EXISTS manager_events_run ON manager_events(run_id, t);

CREATE TABLE IF NOT EXISTS artifacts (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,              -- journal, error-log node 2, datadir image, ...
    path        TEXT NOT NULL
);
