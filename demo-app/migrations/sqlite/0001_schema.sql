-- Crash Course Books: schema (SQLite). Keep in step with ../postgres/0001_schema.sql.
CREATE TABLE authors (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);

-- DELIBERATE (crash.unwrap-none): no foreign key on author_id, so a book can point at an
-- author row that does not exist, as happens after a careless data migration.
CREATE TABLE books (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    author_id   INTEGER NOT NULL,
    price_cents INTEGER NOT NULL,
    stock       INTEGER NOT NULL,
    description TEXT NOT NULL
);

CREATE TABLE customers (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    email        TEXT NOT NULL,
    name         TEXT NOT NULL,
    loyalty_tier TEXT NOT NULL DEFAULT 'bronze',
    CONSTRAINT customers_email_key UNIQUE (email)
);

CREATE TABLE wallets (
    id            INTEGER PRIMARY KEY,
    customer_id   INTEGER NOT NULL REFERENCES customers (id),
    balance_cents INTEGER NOT NULL CHECK (balance_cents >= 0)
);

CREATE TABLE orders (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    book_id     INTEGER NOT NULL REFERENCES books (id),
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    total_cents INTEGER NOT NULL,
    placed_on   TEXT NOT NULL -- an ISO date, YYYY-MM-DD
);
-- The foreign keys are indexed: a customer's orders and a book's buyers stay lookups as the
-- history grows. `placed_on` is not (the db.statement-timeout lesson's report scans it).
CREATE INDEX orders_customer_id ON orders (customer_id);
CREATE INDEX orders_book_id ON orders (book_id);
