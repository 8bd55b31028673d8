-- Wallet transfers (db.deadlock). Keep in step with ../postgres/0003_transfers.sql.
CREATE TABLE transfers (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    from_wallet  INTEGER NOT NULL REFERENCES wallets (id),
    to_wallet    INTEGER NOT NULL REFERENCES wallets (id),
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0)
);
