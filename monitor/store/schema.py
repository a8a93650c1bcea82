"""The store's schema, as numbered migrations applied in order at open.

Append only: once a migration has been released, later changes are new
migrations, never edits, so every existing store can be brought forward.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE feeds (
        name TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        configured_url TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        first_polled_at TEXT,
        last_poll_at TEXT,
        last_status TEXT,
        consecutive_errors INTEGER NOT NULL DEFAULT 0,
        next_poll_at TEXT,
        gone INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE stories (
        id INTEGER PRIMARY KEY,
        feed TEXT NOT NULL,
        guid TEXT NOT NULL,
        url TEXT,
        title TEXT NOT NULL,
        found_at TEXT NOT NULL,
        published_at TEXT,
        alerted INTEGER NOT NULL DEFAULT 0,
        sketch TEXT,  -- JSON bottom-k sketch of the first alerted copy's text (dedup.py)
        duplicate_of INTEGER REFERENCES stories (id),  -- the first copy: same link or text
        UNIQUE (feed, guid)
    );
    CREATE INDEX stories_url ON stories (url) WHERE url IS NOT NULL;
    CREATE INDEX stories_sketched ON stories (found_at) WHERE sketch IS NOT NULL;
    CREATE INDEX stories_copies ON stories (duplicate_of) WHERE duplicate_of IS NOT NULL;
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        story_id INTEGER REFERENCES stories (id),  -- NULL for notices to the admin
        notifier TEXT NOT NULL,
        message TEXT NOT NULL,  -- JSON of the Alert or Notice
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_error TEXT,
        created_at TEXT NOT NULL,
        delivered_at TEXT,
        UNIQUE (story_id, notifier)
    );
    CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
    CREATE INDEX outbox_story ON outbox (story_id);
    """,
    # 2: the clean text each story was matched on, for `monitor backtest`; kept
    # for a while (stories.TEXT_KEPT), then pruned.
    """
    CREATE TABLE story_texts (
        story_id INTEGER PRIMARY KEY REFERENCES stories (id) ON DELETE CASCADE,
        found_at TEXT NOT NULL,
        source TEXT NOT NULL,  -- 'article' or 'summary' (model.TextSource)
        title TEXT NOT NULL,  -- as matched: the feed's, else the page's
        summary TEXT NOT NULL,
        body BLOB NOT NULL  -- the clean article text, UTF-8, zlib-compressed
    );
    CREATE INDEX story_texts_found ON story_texts (found_at);
    """,
)
