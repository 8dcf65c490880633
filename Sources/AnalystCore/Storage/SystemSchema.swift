/// The schema of `state/system.duckdb`, as numbered migrations. Never edit a released migration: add one.
///
/// Table and column names follow the Python reference (`src/db.py`, schema v3) where it was sound, so its
/// data can be read; later issues add their tables as new migrations.
public enum SystemSchema {
    public static let migrations: [Migration] = [
        Migration(
            version: 1, name: "users and sync state",
            sql: """
                CREATE TABLE users (
                    id VARCHAR PRIMARY KEY,
                    email VARCHAR UNIQUE NOT NULL,
                    name VARCHAR,
                    role VARCHAR NOT NULL DEFAULT 'analyst',
                    password_hash VARCHAR,
                    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
                    updated_at TIMESTAMP
                );
                CREATE TABLE sync_state (
                    table_id VARCHAR PRIMARY KEY,
                    last_sync TIMESTAMP,
                    rows BIGINT,
                    file_size_bytes BIGINT,
                    uncompressed_size_bytes BIGINT,
                    columns INTEGER,
                    hash VARCHAR,
                    status VARCHAR NOT NULL DEFAULT 'ok',
                    error VARCHAR
                );
                CREATE TABLE sync_history (
                    id VARCHAR PRIMARY KEY,
                    table_id VARCHAR NOT NULL,
                    synced_at TIMESTAMP NOT NULL,
                    rows BIGINT,
                    duration_ms INTEGER,
                    status VARCHAR,
                    error VARCHAR
                );
                CREATE INDEX sync_history_table ON sync_history (table_id, synced_at);
                """),
        Migration(
            version: 2, name: "bootstrap marker",
            sql: """
                CREATE TABLE bootstrap_marker (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    user_id VARCHAR NOT NULL,
                    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
                );
                """),
        Migration(
            version: 3, name: "token revocation and identity lock",
            sql: """
                CREATE TABLE revoked_tokens (
                    jti VARCHAR PRIMARY KEY,
                    user_id VARCHAR NOT NULL,
                    expires_at TIMESTAMP NOT NULL,
                    revoked_at TIMESTAMP NOT NULL DEFAULT current_timestamp
                );
                CREATE TABLE token_generations (
                    user_id VARCHAR PRIMARY KEY,
                    generation BIGINT NOT NULL
                );
                CREATE TABLE identity_lock (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    touched_at TIMESTAMP
                );
                INSERT INTO identity_lock VALUES (1, current_timestamp);
                """),
        Migration(
            version: 4, name: "personal access tokens",
            sql: """
                CREATE TABLE personal_access_tokens (
                    id VARCHAR PRIMARY KEY,
                    user_id VARCHAR NOT NULL,
                    name VARCHAR NOT NULL,
                    token_hash VARCHAR NOT NULL UNIQUE,
                    prefix VARCHAR NOT NULL,
                    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
                    expires_at TIMESTAMP
                );
                CREATE INDEX personal_access_tokens_user ON personal_access_tokens (user_id);
                """),
        Migration(
            version: 5, name: "audit log",
            sql: """
                CREATE TABLE audit_log (
                    id VARCHAR NOT NULL,
                    timestamp TIMESTAMP NOT NULL,
                    user_id VARCHAR,
                    action VARCHAR NOT NULL,
                    resource VARCHAR,
                    params VARCHAR,
                    status INTEGER NOT NULL,
                    duration_ms DOUBLE NOT NULL,
                    client_address VARCHAR,
                    request_id VARCHAR
                );
                """),
        Migration(
            version: 6, name: "table registry, permissions and access requests",
            sql: """
                CREATE TABLE table_registry (
                    id VARCHAR PRIMARY KEY,
                    name VARCHAR NOT NULL,
                    source_type VARCHAR,
                    bucket VARCHAR,
                    source_table VARCHAR,
                    sync_strategy VARCHAR NOT NULL DEFAULT 'full_refresh',
                    query_mode VARCHAR NOT NULL DEFAULT 'local',
                    sync_schedule VARCHAR,
                    profile_after_sync BOOLEAN NOT NULL DEFAULT true,
                    primary_key VARCHAR,
                    folder VARCHAR,
                    description VARCHAR,
                    registered_by VARCHAR,
                    is_public BOOLEAN NOT NULL DEFAULT true,
                    registered_at TIMESTAMP NOT NULL DEFAULT current_timestamp
                );
                CREATE TABLE dataset_permissions (
                    user_id VARCHAR NOT NULL,
                    dataset VARCHAR NOT NULL,
                    access VARCHAR NOT NULL DEFAULT 'read' CHECK (access IN ('read', 'none')),
                    PRIMARY KEY (user_id, dataset)
                );
                CREATE TABLE access_requests (
                    id VARCHAR PRIMARY KEY,
                    user_id VARCHAR NOT NULL,
                    user_email VARCHAR NOT NULL,
                    table_id VARCHAR NOT NULL,
                    reason VARCHAR NOT NULL DEFAULT '',
                    status VARCHAR NOT NULL DEFAULT 'pending',
                    reviewed_by VARCHAR,
                    reviewed_at TIMESTAMP,
                    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
                );
                """),
        Migration(
            version: 7, name: "one-time sign-in links",
            sql: """
                CREATE TABLE auth_links (
                    token_hash VARCHAR PRIMARY KEY,
                    user_id VARCHAR NOT NULL,
                    purpose VARCHAR NOT NULL CHECK (purpose IN ('setup', 'login')),
                    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
                    expires_at TIMESTAMP NOT NULL,
                    used_at TIMESTAMP
                );
                """),
        Migration(
            version: 8, name: "published tables: source, mode, columns, file identity; profiles; sync jobs",
            sql: """
                ALTER TABLE sync_state ADD COLUMN source VARCHAR;
                ALTER TABLE sync_state ADD COLUMN query_mode VARCHAR;
                ALTER TABLE sync_state ADD COLUMN column_list VARCHAR;
                ALTER TABLE sync_state ADD COLUMN file_mtime_ns BIGINT;
                ALTER TABLE sync_state ADD COLUMN description VARCHAR;
                CREATE TABLE table_profiles (
                    table_id VARCHAR PRIMARY KEY,
                    profile VARCHAR NOT NULL,
                    profiled_at TIMESTAMP NOT NULL,
                    source_hash VARCHAR
                );
                """),
        Migration(
            version: 9, name: "audit log: the concrete path of each call",
            sql: """
                ALTER TABLE audit_log ADD COLUMN path VARCHAR;
                CREATE INDEX audit_log_resource ON audit_log (resource);
                """),
        Migration(
            version: 10, name: "connectors: export settings per table; sync history per run",
            // table_registry is rebuilt rather than altered: DuckDB 1.5.5 cannot replay an ADD COLUMN from the WAL on
            // a table with a function default (registered_at's current_timestamp), which would leave the file
            // unopenable after a crash or a copy taken before a checkpoint.
            sql: """
                CREATE TABLE table_registry_v10 (
                    id VARCHAR PRIMARY KEY,
                    name VARCHAR NOT NULL,
                    source_type VARCHAR,
                    bucket VARCHAR,
                    source_table VARCHAR,
                    sync_strategy VARCHAR NOT NULL DEFAULT 'full_refresh',
                    query_mode VARCHAR NOT NULL DEFAULT 'local',
                    sync_schedule VARCHAR,
                    profile_after_sync BOOLEAN NOT NULL DEFAULT true,
                    primary_key VARCHAR,
                    folder VARCHAR,
                    description VARCHAR,
                    registered_by VARCHAR,
                    is_public BOOLEAN NOT NULL DEFAULT true,
                    registered_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
                    export_columns VARCHAR,
                    where_filters VARCHAR,
                    partition_by VARCHAR,
                    partition_granularity VARCHAR,
                    cursor_column VARCHAR,
                    connection_env VARCHAR,
                    source_query VARCHAR
                );
                INSERT INTO table_registry_v10
                    SELECT *, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM table_registry;
                DROP TABLE table_registry;
                ALTER TABLE table_registry_v10 RENAME TO table_registry;
                ALTER TABLE sync_history ADD COLUMN source VARCHAR;
                ALTER TABLE sync_history ADD COLUMN bytes BIGINT;
                ALTER TABLE sync_history ADD COLUMN job_id VARCHAR;
                """),
        Migration(
            version: 11, name: "partitioned tables: one row per published partition file",
            sql: """
                CREATE TABLE sync_partitions (
                    table_id VARCHAR NOT NULL,
                    partition_name VARCHAR NOT NULL,
                    size_bytes BIGINT NOT NULL,
                    hash VARCHAR NOT NULL,
                    file_mtime_ns BIGINT,
                    PRIMARY KEY (table_id, partition_name)
                );
                """),
        Migration(
            version: 12, name: "corporate memory: knowledge items with governance, votes",
            sql: """
                CREATE TABLE knowledge_items (
                    id VARCHAR PRIMARY KEY,
                    title VARCHAR NOT NULL,
                    content VARCHAR NOT NULL,
                    category VARCHAR NOT NULL,
                    tags VARCHAR[] NOT NULL DEFAULT [],
                    status VARCHAR NOT NULL DEFAULT 'pending',
                    contributors VARCHAR[] NOT NULL DEFAULT [],
                    source_user VARCHAR,
                    audience VARCHAR NOT NULL DEFAULT 'all',
                    source VARCHAR NOT NULL DEFAULT 'manual',
                    created_at TIMESTAMP NOT NULL,
                    updated_at TIMESTAMP NOT NULL,
                    approved_by VARCHAR,
                    approved_at TIMESTAMP,
                    reason VARCHAR,
                    edited_by VARCHAR,
                    edited_at TIMESTAMP,
                    review_by TIMESTAMP,
                    duplicates VARCHAR[] NOT NULL DEFAULT []
                );
                CREATE TABLE knowledge_votes (
                    item_id VARCHAR NOT NULL,
                    user_id VARCHAR NOT NULL,
                    vote INTEGER NOT NULL CHECK (vote IN (1, -1)),
                    voted_at TIMESTAMP NOT NULL,
                    PRIMARY KEY (item_id, user_id)
                );
                """),
        Migration(
            // knowledge_items is rebuilt rather than altered: DuckDB 1.5.5 cannot replay from the WAL an ADD COLUMN on a
            // table whose defaults call a function (migration 12's `DEFAULT []`), so no list default is kept.
            version: 13, name: "corporate memory: search index source, collector state and runs, session transcripts",
            sql: """
                CREATE TABLE knowledge_items_v13 (
                    id VARCHAR PRIMARY KEY,
                    title VARCHAR NOT NULL,
                    content VARCHAR NOT NULL,
                    category VARCHAR NOT NULL,
                    tags VARCHAR[] NOT NULL,
                    status VARCHAR NOT NULL DEFAULT 'pending',
                    contributors VARCHAR[] NOT NULL,
                    source_user VARCHAR,
                    audience VARCHAR NOT NULL DEFAULT 'all',
                    source VARCHAR NOT NULL DEFAULT 'manual',
                    created_at TIMESTAMP NOT NULL,
                    updated_at TIMESTAMP NOT NULL,
                    approved_by VARCHAR,
                    approved_at TIMESTAMP,
                    reason VARCHAR,
                    edited_by VARCHAR,
                    edited_at TIMESTAMP,
                    review_by TIMESTAMP,
                    duplicates VARCHAR[] NOT NULL,
                    sensitivity VARCHAR,
                    revision_of VARCHAR
                );
                INSERT INTO knowledge_items_v13 SELECT *, NULL, NULL FROM knowledge_items;
                DROP TABLE knowledge_items;
                ALTER TABLE knowledge_items_v13 RENAME TO knowledge_items;
                CREATE TABLE knowledge_search (
                    id VARCHAR PRIMARY KEY,
                    title VARCHAR NOT NULL,
                    content VARCHAR NOT NULL,
                    tags VARCHAR NOT NULL
                );
                CREATE TABLE knowledge_search_state (fingerprint UBIGINT, items BIGINT);
                CREATE TABLE memory_note_hashes (
                    user_id VARCHAR PRIMARY KEY,
                    sha256 VARCHAR NOT NULL,
                    collected_at TIMESTAMP NOT NULL
                );
                CREATE TABLE memory_collections (
                    id VARCHAR PRIMARY KEY,
                    started_at TIMESTAMP NOT NULL,
                    finished_at TIMESTAMP,
                    trigger VARCHAR NOT NULL,
                    status VARCHAR NOT NULL,
                    notes_read INTEGER NOT NULL DEFAULT 0,
                    notes_changed INTEGER NOT NULL DEFAULT 0,
                    created INTEGER NOT NULL DEFAULT 0,
                    merged INTEGER NOT NULL DEFAULT 0,
                    revisions INTEGER NOT NULL DEFAULT 0,
                    flagged INTEGER NOT NULL DEFAULT 0,
                    error VARCHAR
                );
                CREATE TABLE session_transcripts (
                    user_id VARCHAR NOT NULL,
                    file_name VARCHAR NOT NULL,
                    size_bytes BIGINT NOT NULL,
                    first_event_at TIMESTAMP,
                    last_event_at TIMESTAMP,
                    redactions INTEGER NOT NULL DEFAULT 0,
                    uploaded_at TIMESTAMP NOT NULL,
                    PRIMARY KEY (user_id, file_name)
                );
                """),
        Migration(
            version: 14, name: "notifications: scripts, their runs, cooldowns, notifications, Telegram links",
            sql: """
                CREATE TABLE scripts (
                    id VARCHAR PRIMARY KEY,
                    owner_id VARCHAR NOT NULL,
                    name VARCHAR NOT NULL,
                    source VARCHAR NOT NULL,
                    schedule VARCHAR,
                    created_at TIMESTAMP NOT NULL,
                    updated_at TIMESTAMP NOT NULL,
                    next_run_at TIMESTAMP
                );
                CREATE TABLE script_runs (
                    id VARCHAR PRIMARY KEY,
                    script_id VARCHAR,
                    owner_id VARCHAR NOT NULL,
                    name VARCHAR NOT NULL,
                    trigger VARCHAR NOT NULL,
                    started_at TIMESTAMP NOT NULL,
                    duration_ms BIGINT NOT NULL,
                    exit_code INTEGER,
                    output_bytes BIGINT NOT NULL,
                    truncated BOOLEAN NOT NULL,
                    notified BOOLEAN NOT NULL,
                    killed_by VARCHAR,
                    error VARCHAR
                );
                CREATE TABLE notification_cooldowns (
                    script_id VARCHAR NOT NULL,
                    user_id VARCHAR NOT NULL,
                    last_sent_at TIMESTAMP NOT NULL,
                    PRIMARY KEY (script_id, user_id)
                );
                CREATE TABLE notifications (
                    id VARCHAR PRIMARY KEY,
                    user_id VARCHAR NOT NULL,
                    script_id VARCHAR,
                    script_name VARCHAR,
                    title VARCHAR,
                    message VARCHAR NOT NULL,
                    image_file VARCHAR,
                    data VARCHAR,
                    created_at TIMESTAMP NOT NULL
                );
                CREATE TABLE telegram_codes (
                    code VARCHAR PRIMARY KEY,
                    chat_id BIGINT NOT NULL,
                    created_at TIMESTAMP NOT NULL
                );
                CREATE TABLE telegram_links (
                    user_id VARCHAR PRIMARY KEY,
                    chat_id BIGINT NOT NULL,
                    username VARCHAR,
                    linked_at TIMESTAMP NOT NULL
                );
                """),
    ]

    /// The highest version this build knows.
    public static var latestVersion: Int { migrations.last?.version ?? 0 }
}
