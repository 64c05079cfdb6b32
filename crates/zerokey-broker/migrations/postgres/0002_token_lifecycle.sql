-- Token lifecycle: an optional expiry and a revocation time per API token (NULL: none), and
-- the client's own request id beside ours in audit rows (ours is never taken from a client).
-- Times are Unix milliseconds.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
ALTER TABLE api_tokens ADD COLUMN revoked_at BIGINT;
CREATE INDEX api_tokens_user ON api_tokens(user_id);
ALTER TABLE audit_events ADD COLUMN client_request_id TEXT;
