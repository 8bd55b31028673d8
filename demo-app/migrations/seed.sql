-- Deterministic seed data, identical on both engines: every run starts from this state.
-- Rows the lessons rely on are marked; docs/failure-classes.md refers to them by id.
INSERT INTO authors (id, name) VALUES
    (1, 'Ursula K. Le Guin'),
    (2, 'Tim O''Reilly'),
    (3, 'Grace Hopper'),
    (4, 'Donald E. Knuth'),
    (5, 'Steve Klabnik');

INSERT INTO books (id, title, author_id, price_cents, stock, description) VALUES
    (1, 'The Dispossessed', 1, 1499, 12, 'An ambiguous utopia on twin planets.'),
    (2, 'The Left Hand of Darkness', 1, 1299, 7, 'An envoy on the winter planet Gethen.'),
    (3, 'What Is Web 2.0', 2, 999, 30, 'Design patterns and business models.'),
    (4, 'Open Sources', 2, 2499, 4, 'Voices from the open source revolution.'),
    (5, 'Understanding Computers', 3, 1899, 3, 'From the inventor of the compiler.'),
    (6, 'The Art of Computer Programming, Vol. 1', 4, 8999, 2, 'Fundamental algorithms.'),
    (7, 'Literate Programming', 4, 3499, 5, 'Programs as works of literature.'),
    (8, 'The Rust Programming Language', 5, 3999, 25, 'The book about Rust, with crabs 🦀.'),
    (9, 'Rust for Rustaceans', 5, 3999, 9, 'Idiomatic programming for experienced developers.'),
    (10, 'A Wizard of Earthsea', 1, 999, 14, 'A young mage and his shadow.'),
    (11, 'Concrete Mathematics', 4, 5999, 6, 'A foundation for computer science.'),
    (12, 'The Lathe of Heaven', 1, 1199, 8, 'Dreams that change the world.'),
    -- crash.unwrap-none: author 99 does not exist.
    (13, 'The Lost Manuscript', 99, 4200, 1, 'Imported from the old catalogue.');

INSERT INTO customers (email, name, loyalty_tier) VALUES
    ('ada@example.com', 'Ada Lovelace', 'gold'),
    ('grace@example.com', 'Grace Hopper', 'silver'),
    ('linus@example.com', 'Linus Torvalds', 'bronze'),
    -- crash.unhandled-error: a tier another service introduced, unknown to this code.
    ('margaret@example.com', 'Margaret Hamilton', 'platinum-plus');

INSERT INTO wallets (id, customer_id, balance_cents) VALUES
    (1, 1, 50000),
    (2, 2, 50000),
    (3, 3, 50000),
    (4, 4, 50000);

-- Orders on two days; 2026-11-22 has none (crash.divide-by-zero).
INSERT INTO orders (customer_id, book_id, quantity, total_cents, placed_on) VALUES
    (1, 1, 1, 1499, '2026-11-20'),
    (2, 8, 2, 7998, '2026-11-20'),
    (3, 6, 1, 8999, '2026-11-20'),
    (1, 9, 1, 3999, '2026-11-21'),
    (4, 3, 3, 2997, '2026-11-21');
