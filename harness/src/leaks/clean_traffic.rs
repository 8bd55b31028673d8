//! Deterministic clean traffic for the scanner's speed measurements: JSON lines as a
//! bookshop API logs and serves them (catalogue entries, orders, access-log records,
//! reviews), with the look-alikes real content carries (book titles with versions, prose
//! that says "select", "panic", "stack trace", prices like 10.99, User-Agent strings, image
//! URLs, non-ASCII names) and no leak at all (tested: the scan finds nothing).

/// A small xorshift generator: the same seed gives the same text on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const TITLES: &[&str] = &[
    "Learning Python 3.12",
    "PostgreSQL 16 Administration Cookbook",
    "Rust in Action",
    "The Go Programming Language",
    "Designing Data-Intensive Applications",
    "Node.js v20 Design Patterns",
    "Java 21 in Action",
    "Django 5.0 by Example",
    "Effective Kotlin",
    "High Performance MySQL, 4th Edition",
    "Site Reliability Engineering",
    "The Pragmatic Programmer",
    "Gödel, Escher, Bach",
    "A Philosophy of Software Design",
    "Crafting Interpreters",
    "Database Internals",
    "Release It!",
    "Elasticsearch in Action, Second Edition",
    "Programming Phoenix 1.4",
    "Clean Architecture",
];

const AUTHORS: &[&str] = &[
    "Ada Lovelace",
    "Grace Hopper",
    "Donald E. Knuth",
    "Martin Kleppmann",
    "Antonín Dvořák",
    "Mark Lutz",
    "Brian W. Kernighan",
    "Barbara Liskov",
    "José Valim",
    "Steve Klabnik",
    "Núria Ñúñez",
    "Kurt Gödel",
];

const SENTENCES: &[&str] = &[
    "A practical guide with exercises at the end of every chapter.",
    "Select a book from the list, add it to your basket and check out in two steps.",
    "Don't panic: the second edition explains every error message the compiler prints.",
    "Readers learn how to read a stack trace at their desk before production does it for them.",
    "Covers goroutines, channels and the patterns that keep them from leaking.",
    "Update your address from the account page before the order ships.",
    "The author shows how a deadlock-free design starts with the order of the locks.",
    "Includes a chapter on exceptions, retries and what a 500 should say to a client.",
    "Printed on recycled paper; the cover was drawn by the author.",
    "From the first query to replication, with 40 worked examples.",
    "Price includes VAT; delivery in 2-3 working days within the EU.",
    "Winner of the 2025 readers' award for the clearest introduction.",
];

const USER_AGENTS: &[&str] = &[
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version 17.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "curl 8.5.0",
];

const TAGS: &[&str] = &[
    "python",
    "rust",
    "databases",
    "go",
    "java",
    "web",
    "classics",
    "sre",
    "beginners",
    "advanced",
];

/// About `bytes` bytes (at least, ending with a whole line) of clean JSON lines.
pub fn clean_json_lines(bytes: usize) -> String {
    use std::fmt::Write as _;
    let mut rng = Rng(0x5EED_CAFE_F00D_0001);
    let mut out = String::with_capacity(bytes + 1024);
    let mut n: u64 = 0;
    while out.len() < bytes {
        n += 1;
        let day = 1 + rng.below(28);
        let (hour, minute, second) = (rng.below(24), rng.below(60), rng.below(60));
        let _ = match rng.below(10) {
            0..=3 => writeln!(
                out,
                r#"{{"id":{n},"isbn":"978-{:010}","title":"{}","authors":["{}","{}"],"year":{},"price":{{"amount":"{}.{:02}","currency":"EUR"}},"stock":{},"tags":["{}","{}"],"description":"{} {}","cover":"https://cdn.shop.example/covers/2026/{:02}/{n}.jpg","updated_at":"2026-11-{day:02}T{hour:02}:{minute:02}:{second:02}Z"}}"#,
                rng.next() % 10_000_000_000,
                rng.pick(TITLES),
                rng.pick(AUTHORS),
                rng.pick(AUTHORS),
                1990 + rng.below(37),
                5 + rng.below(80),
                rng.below(100),
                rng.below(60),
                rng.pick(TAGS),
                rng.pick(TAGS),
                rng.pick(SENTENCES),
                rng.pick(SENTENCES),
                1 + rng.below(12),
            ),
            4..=5 => writeln!(
                out,
                r#"{{"order_id":"ord_{:016x}","customer":{{"id":{},"name":"{}","email":"reader{}@example.com"}},"items":[{{"book_id":{},"qty":{},"price_cents":{}}}],"total_cents":{},"status":"{}","placed_at":"2026-11-{day:02}T{hour:02}:{minute:02}:{second:02}Z"}}"#,
                rng.next(),
                rng.below(100_000),
                rng.pick(AUTHORS),
                rng.below(100_000),
                rng.below(5000),
                1 + rng.below(3),
                500 + rng.below(9000),
                500 + rng.below(30_000),
                rng.pick(&["placed", "paid", "shipped", "delivered", "refunded"]),
            ),
            6..=8 => writeln!(
                out,
                r#"{{"ts":"2026-11-{day:02}T{hour:02}:{minute:02}:{second:02}.{:03}Z","method":"{}","path":"/books/{}","status":{},"duration_ms":{}.{},"bytes":{},"user_agent":"{}","request_id":"{:032x}"}}"#,
                rng.below(1000),
                rng.pick(&["GET", "GET", "GET", "POST", "PUT"]),
                rng.below(5000),
                rng.pick(&["200", "200", "200", "304", "404", "201"]),
                rng.below(200),
                rng.below(10),
                200 + rng.below(50_000),
                rng.pick(USER_AGENTS),
                u128::from(rng.next()) << 64 | u128::from(rng.next()),
            ),
            _ => writeln!(
                out,
                r#"{{"review_id":{n},"book_id":{},"rating":{},"reader":"{}","text":"{} {}"}}"#,
                rng.below(5000),
                1 + rng.below(5),
                rng.pick(AUTHORS),
                rng.pick(SENTENCES),
                rng.pick(SENTENCES),
            ),
        };
    }
    out
}
