//! One statement per query for SQL built at run time. PostgreSQL's extended protocol (what
//! sqlx speaks) already refuses a second statement; SQLite's driver would run every one.
//! This makes SQLite behave the same, like a driver's "multiple statements off" switch:
//! an injected `'; DELETE FROM wallets; --` fails instead of running. It does not make
//! spliced SQL safe (a UNION is still one statement): that takes bind parameters.

/// `sql` if it holds at most one statement (a trailing `;` is fine), else the error the
/// database layer reports.
pub fn check(sql: &str) -> Result<&str, sqlx::Error> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Code,
        Quoted(char),
        LineComment,
        BlockComment,
    }
    let mut state = State::Code;
    let mut ended = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        state = match (state, c) {
            (State::Code, '\'' | '"' | '`') => State::Quoted(c),
            (State::Code, '-') if chars.peek() == Some(&'-') => State::LineComment,
            (State::Code, '/') if chars.peek() == Some(&'*') => {
                chars.next();
                State::BlockComment
            }
            (State::Code, ';') => {
                ended = true;
                State::Code
            }
            (State::Code, c) if ended && !c.is_whitespace() => {
                return Err(sqlx::Error::Protocol(
                    "refused: more than one SQL statement in one query".to_string(),
                ));
            }
            // A doubled quote inside a literal is an escaped quote: the literal goes on.
            (State::Quoted(q), c) if c == q && chars.peek() == Some(&q) => {
                chars.next();
                State::Quoted(q)
            }
            (State::Quoted(q), c) if c == q => State::Code,
            (State::LineComment, '\n') => State::Code,
            (State::BlockComment, '*') if chars.peek() == Some(&'/') => {
                chars.next();
                State::Code
            }
            (state, _) => state,
        };
    }
    Ok(sql)
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn one_statement_passes_and_a_second_is_refused() {
        for one in [
            "SELECT 1",
            "SELECT 1;",
            "SELECT 1; -- done",
            "SELECT ';' FROM t WHERE a = 'it''s; fine' /* ; */",
            "SELECT \"a;b\" FROM t",
            "SELECT 1 -- ; DROP TABLE t",
            "SELECT id, name FROM authors WHERE name LIKE '%' UNION SELECT 1, sql FROM sqlite_master --%' ORDER BY id",
        ] {
            assert!(check(one).is_ok(), "{one}");
        }
        for two in [
            "SELECT 1; SELECT 2",
            "SELECT id FROM authors WHERE name LIKE '%'; DELETE FROM wallets; --%'",
            "SELECT 1 /* x */; ATTACH DATABASE 'x' AS y",
            "SELECT 'a''';DROP TABLE t",
        ] {
            assert!(check(two).is_err(), "{two}");
        }
    }
}
