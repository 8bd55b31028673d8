//! The failure classes of the lab (ids are stable: scenarios, docs and reports use them).

/// `(id, what really happens)`, in the order of docs/failure-classes.md.
pub const CLASSES: &[(&str, &str)] = &[
    (
        "crash.unwrap-none",
        "Option::unwrap() on None (the null dereference)",
    ),
    ("crash.divide-by-zero", "integer division by zero panics"),
    (
        "crash.char-boundary",
        "slicing a &str inside a multi-byte character panics",
    ),
    (
        "crash.unhandled-error",
        "an unexpected Err propagated with ? to the top",
    ),
    (
        "db.invalid-sql",
        "SQL built by string formatting breaks (and is injectable)",
    ),
    (
        "db.deadlock",
        "two transactions lock the same rows in opposite order",
    ),
    (
        "db.pool-exhausted",
        "every pooled connection is held; acquire times out",
    ),
    (
        "db.statement-timeout",
        "the database cancels a slow statement",
    ),
    (
        "db.connection-lost",
        "the connection is killed or the database goes away",
    ),
    (
        "db.constraint",
        "a unique violation answered as 500 instead of 409",
    ),
    (
        "resource.worker-blocked",
        "blocking work on the async workers starves other requests",
    ),
    (
        "resource.file-handles",
        "handles leak until the open-files limit is hit",
    ),
    (
        "config.missing-env",
        "a required setting read lazily at request time",
    ),
    ("config.missing-file", "a configured file that is not there"),
    ("config.bad-value", "a malformed setting"),
    ("upstream.error", "the upstream answers 5xx"),
    ("upstream.timeout", "the upstream is too slow"),
    ("upstream.bad-payload", "the upstream answers garbage"),
    (
        "upstream.unreachable",
        "nothing listens at the upstream address",
    ),
    (
        "antipattern.swallowed",
        "an error caught and hidden: 200 with wrong data",
    ),
    (
        "antipattern.catch-all",
        "every error mapped to 500, client mistakes included",
    ),
    (
        "release.bad-deploy",
        "a new release breaks a hot path; rollback",
    ),
];

pub fn is_known(id: &str) -> bool {
    describe(id).is_some()
}

/// What really happens in the class `id`, if the lab knows it.
pub fn describe(id: &str) -> Option<&'static str> {
    CLASSES
        .iter()
        .find(|(known, _)| *known == id)
        .map(|(_, what)| *what)
}

pub fn ids() -> impl Iterator<Item = &'static str> {
    CLASSES.iter().map(|(id, _)| *id)
}

#[cfg(test)]
mod marker_tests {
    use super::CLASSES;

    /// Every class has a `DELIBERATE (<class>)` comment where its flaw lives, so the
    /// workshop's `grep -rn "DELIBERATE (<class>)" demo-app/src` finds it.
    #[test]
    fn every_class_is_marked_where_its_flaw_lives() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo-app/src");
        let mut sources = String::new();
        let mut folders = vec![src];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).expect("demo-app/src is readable") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    sources.push_str(&std::fs::read_to_string(&path).expect("source"));
                }
            }
        }
        let unmarked: Vec<&str> = CLASSES
            .iter()
            .map(|(id, _)| *id)
            .filter(|id| !sources.contains(&format!("DELIBERATE ({id})")))
            .collect();
        assert!(unmarked.is_empty(), "no DELIBERATE marker for {unmarked:?}");
    }
}
