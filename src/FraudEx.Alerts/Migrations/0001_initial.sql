-- Every scored transaction, as kept for audit and as the log the next model trains on.
CREATE TABLE decisions (
    transaction_id          text             PRIMARY KEY,
    account_id              text             NOT NULL,
    merchant_id             text             NOT NULL,
    merchant_category_code  text             NOT NULL,
    amount_minor            bigint           NOT NULL,
    currency                text             NOT NULL,
    transaction_time        timestamptz      NOT NULL,
    channel                 smallint         NOT NULL,
    card_present            boolean          NOT NULL,
    device_id               text             NOT NULL,
    ip_address              text             NOT NULL,
    latitude                double precision,
    longitude               double precision,
    country                 text             NOT NULL,
    merchant_country        text             NOT NULL,
    attributes              jsonb            NOT NULL,
    score                   double precision NOT NULL,
    decision                smallint         NOT NULL,
    reasons                 jsonb            NOT NULL,
    rules_fired             text[]           NOT NULL,
    model_version           text             NOT NULL,
    degraded                boolean          NOT NULL,
    features                real[]           NOT NULL,
    feature_schema_version  text             NOT NULL,
    challenger_score        double precision,
    challenger_version      text             NOT NULL,
    server_processing_us    bigint           NOT NULL,
    decided_at              timestamptz      NOT NULL,
    recorded_at             timestamptz      NOT NULL
);

-- Retraining and audit read decisions by time ranges; BRIN stays tiny on an append-mostly table. No other index:
-- every index on this table is paid for on each of the 20,000+ inserts per second.
CREATE INDEX decisions_decided_at_brin ON decisions USING brin (decided_at);

-- REVIEW and DECLINE decisions as cases. Transaction fields are copied so ListAlerts needs no join.
CREATE TABLE alerts (
    alert_id          bigint           GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id    text             NOT NULL UNIQUE REFERENCES decisions (transaction_id),
    account_id        text             NOT NULL,
    merchant_id       text             NOT NULL,
    amount_minor      bigint           NOT NULL,
    currency          text             NOT NULL,
    score             double precision NOT NULL,
    decision          smallint         NOT NULL,
    status            smallint         NOT NULL,
    assignee          text             NOT NULL DEFAULT '',
    notes             text             NOT NULL DEFAULT '',
    version           bigint           NOT NULL DEFAULT 1,
    created_at        timestamptz      NOT NULL,
    updated_at        timestamptz      NOT NULL,
    transaction_time  timestamptz      NOT NULL,
    CONSTRAINT alerts_decision_check CHECK (decision IN (2, 3)),
    CONSTRAINT alerts_status_check CHECK (status BETWEEN 1 AND 5)
);

-- Keyset order of ListAlerts is (created_at, alert_id) descending; one index per selective filter.
CREATE INDEX alerts_created ON alerts (created_at DESC, alert_id DESC);
CREATE INDEX alerts_status_created ON alerts (status, created_at DESC, alert_id DESC);
CREATE INDEX alerts_decision_created ON alerts (decision, created_at DESC, alert_id DESC);
CREATE INDEX alerts_account_created ON alerts (account_id, created_at DESC, alert_id DESC);

-- The truth about transactions; forwarded to the feature service through the outbox columns.
CREATE TABLE labels (
    label_id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id      text        NOT NULL REFERENCES decisions (transaction_id),
    kind                smallint    NOT NULL,
    source              text        NOT NULL,
    labeled_at          timestamptz NOT NULL,
    recorded_at         timestamptz NOT NULL,
    forwarded_at        timestamptz,
    forward_attempts    integer     NOT NULL DEFAULT 0,
    next_forward_at     timestamptz NOT NULL,
    last_forward_error  text,
    CONSTRAINT labels_transaction_kind UNIQUE (transaction_id, kind),
    CONSTRAINT labels_kind_check CHECK (kind BETWEEN 1 AND 4)
);

CREATE INDEX labels_forward_pending ON labels (next_forward_at) WHERE forwarded_at IS NULL;

CREATE TABLE webhook_subscriptions (
    subscription_id  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url              text        NOT NULL UNIQUE,
    secret           text        NOT NULL,
    event_types      text[]      NOT NULL,
    active           boolean     NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL
);

-- One row per (subscription, event): the outbox the dispatcher drains and the delivery log in one.
CREATE TABLE webhook_deliveries (
    delivery_id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id   bigint      NOT NULL REFERENCES webhook_subscriptions (subscription_id),
    alert_id          bigint      NOT NULL REFERENCES alerts (alert_id),
    event_type        text        NOT NULL,
    status            smallint    NOT NULL DEFAULT 0,
    attempts          integer     NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL,
    last_status_code  integer,
    last_error        text,
    created_at        timestamptz NOT NULL,
    delivered_at      timestamptz,
    CONSTRAINT webhook_deliveries_status_check CHECK (status IN (0, 1, 2))
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 0;

-- Every attempt, successful or not, for the people debugging a receiver.
CREATE TABLE webhook_delivery_attempts (
    delivery_id   bigint      NOT NULL REFERENCES webhook_deliveries (delivery_id),
    attempt       integer     NOT NULL,
    attempted_at  timestamptz NOT NULL,
    status_code   integer,
    error         text,
    duration_ms   double precision NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);

-- Secrets shared by every replica (the page-token key), created once by whichever replica starts first.
CREATE TABLE service_secrets (
    name   text  PRIMARY KEY,
    value  bytea NOT NULL
);
