-- 008: who holds a delivery attempt in flight (issue 11 item 2).
-- `tlsrpt send` claims a due row before it tries it (state retrying, next_attempt = the end of
-- the claim's lease) and stores a random token with the claim; the outcome is recorded only
-- where the token still matches. A run whose lease ran out (suspended, or slower than its
-- lease) and whose row another run has claimed since cannot overwrite the newer outcome.
-- NULL: no attempt in flight (or a row claimed before 008: no outcome will come for it).
ALTER TABLE deliveries ADD COLUMN claim_token INTEGER;
