-- Measured money at source precision (FORMATS.md, "Two kinds of money").
-- Spend and forecast were INTEGER cents; they become the exact decimal text
-- as imported ("18885.7030", "0.00000080000"), which SQLite stores and
-- returns byte for byte. Planned money (budgets, asks, allocations) stays
-- INTEGER cents, its exact and only representation.
-- Every existing value converts exactly: cents c becomes "<c / 100>.<c % 100>".

ALTER TABLE observations ADD COLUMN spend_usd TEXT;
ALTER TABLE observations ADD COLUMN forecast_usd TEXT;

UPDATE observations SET
    spend_usd = CASE WHEN spend_cents IS NULL THEN NULL ELSE
        printf('%s%d.%02d', CASE WHEN spend_cents < 0 THEN '-' ELSE '' END, abs(spend_cents) / 100, abs(spend_cents) % 100) END,
    forecast_usd = CASE WHEN forecast_cents IS NULL THEN NULL ELSE
        printf('%s%d.%02d', CASE WHEN forecast_cents < 0 THEN '-' ELSE '' END, abs(forecast_cents) / 100, abs(forecast_cents) % 100) END;

ALTER TABLE observations DROP COLUMN spend_cents;
ALTER TABLE observations DROP COLUMN forecast_cents;
