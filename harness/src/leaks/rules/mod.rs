//! The leak rules: what each one looks for, the literals that anchor it, the samples that
//! prove it and the guard that keeps it precise.
//!
//! Each rule names the matching OWASP ZAP passive-scan rule where one exists (90022
//! application error disclosure, 10023 debug error messages, 10036 Server version,
//! 10037 X-Powered-By, 10062 private IP disclosure). The Rust-specific signatures are the
//! lab's own: ZAP knows none of them.
//!
//! The rules live in one file per family; [`RULES`] lists them in a fixed order (the order
//! findings are reported in: the original rules first, so existing reports keep their order).

mod databases;
mod frameworks;
mod general;
mod traces;

use serde::Serialize;

/// How bad a finding of this rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
}

/// Where a rule looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Body,
    /// One response header, by lower-case name.
    Header(&'static str),
}

/// One leak rule.
///
/// `pattern` is a regex in the `regex` crate's syntax plus a few placeholders for text that
/// reaches a response encoded: `{q}` a double quote as written raw, JSON-escaped (`\"`,
/// `\\\"`, `\u0022`) or as an HTML entity; `{sq}` a single quote; `{lt}`/`{gt}` angle
/// brackets; `{bs}` one backslash, raw or escaped; `{ws}` optional white space (also `\n`,
/// `\t` escapes, `&nbsp;`, `<br>`); `{gap}` the same plus HTML tags (between a label and
/// its value). Where the pattern must match context around the leak, a group named `leak`
/// marks the leak itself.
///
/// Every repetition is bounded, so each match has a known longest length, and every match
/// contains one of the `anchors` (literals; an `(?i)` prefix makes one ASCII
/// case-insensitive). That is what lets the scanner find the anchors of every rule in one
/// multi-literal pass and run a rule's regex only on the windows around them; the tests
/// prove both properties for every rule from its syntax tree.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub cwe: &'static [&'static str],
    pub zap: Option<u32>,
    pub scope: Scope,
    pub pattern: &'static str,
    pub anchors: &'static [&'static str],
    /// How false positives are kept out, in a sentence for the rules document.
    pub guard: &'static str,
    /// Leaks that start with one of these are not findings of this rule: the regex crate
    /// has no look-ahead to say it in the pattern.
    pub exempt_prefixes: &'static [&'static str],
    /// Texts the rule must find (the first one is shown in the rules document).
    pub samples: &'static [&'static str],
    /// Look-alikes it must leave alone.
    pub lookalikes: &'static [&'static str],
}

/// The fields most body rules share; a rule spells out the rest (`..BODY`).
const BODY: Rule = Rule {
    id: "",
    title: "",
    severity: Severity::High,
    cwe: &["CWE-209"],
    zap: Some(90022),
    scope: Scope::Body,
    pattern: "",
    anchors: &[],
    guard: "",
    exempt_prefixes: &[],
    samples: &[],
    lookalikes: &[],
};

impl Rule {
    /// Whether a leak the pattern found (its `leak` group, else the match) is a finding.
    pub fn counts(&self, leak: &str) -> bool {
        !self.exempt_prefixes.iter().any(|p| leak.starts_with(p))
    }

    /// The pattern with its placeholders expanded: what the regex engine compiles.
    pub fn regex(&self) -> String {
        expand(self.pattern)
    }
}

/// White space as it reaches a body: raw, as JSON escapes (once or twice escaped), as HTML.
const WS: &str = r"(?:\s{1,16}|&nbsp;|&#160;|\\[nrt]|\\\\[nrt]|<br\s?/?>)";
/// An HTML tag, raw or escaped (attributes in printable ASCII, bounded).
const TAG: &str = r"(?:</?[a-zA-Z][\x20-;=?-~]{0,64}>|&lt;/?[a-zA-Z][\x20-%'-;=?-~]{0,64}&gt;|\\u003[cC]/?[a-zA-Z][\x20-;=?-\[\]-~]{0,64}\\u003[eE])";

/// A table cell's or inline element's tag, raw or escaped: what separates a label from its
/// value in a debug page's table (shorter than any tag, so windows stay small).
const CELL: &str = r"(?:</?(?:td|th|tr|code|span|b|strong|em|i|pre|dd|dt)(?: [\x20-;=?-~]{0,32})?>|&lt;/?(?:td|th|tr|code|span|b|strong|em|i|pre|dd|dt)&gt;|\\u003c/?(?:td|th|tr|code|span|b|strong|em|i|pre|dd|dt)\\u003e)";

/// The placeholders of [`Rule::pattern`] and what each stands for.
fn placeholder(name: &str) -> Option<String> {
    Some(match name {
        "q" => r#"(?:"|\\"|\\\\\\"|&quot;|&#34;|&#x22;|\\u0022)"#.to_string(),
        "sq" => r"(?:'|&#39;|&#x27;|&apos;|\\u0027)".to_string(),
        "lt" => r"(?:<|&lt;|\\u003[cC])".to_string(),
        "gt" => r"(?:>|&gt;|\\u003[eE])".to_string(),
        "bs" => r"\\{1,4}".to_string(),
        "ws" => format!("{WS}{{0,12}}"),
        "gap" => format!("(?:{WS}|{TAG}){{0,8}}"),
        "cell" => format!("(?:{WS}|{CELL}){{0,6}}"),
        _ => return None,
    })
}

/// Expands `{name}` placeholders (anything else, `{2,8}` or `[{}]`, is regex syntax) and
/// makes `\w`, `\d`, `\s` and `\b` ASCII: a bounded repetition of a Unicode class is
/// hundreds of automaton states per copy (seconds to compile), and a Unicode word boundary
/// stops the lazy DFA at the first non-ASCII byte.
fn expand(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() * 2);
    let mut in_class = false;
    let mut chars = pattern.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, class @ ('w' | 'd' | 's'))) => {
                    let ascii = match class {
                        'w' => "0-9A-Za-z_",
                        'd' => "0-9",
                        _ => "\\t\\n\\x0B\\x0C\\r ",
                    };
                    if in_class {
                        out.push_str(ascii);
                    } else {
                        out.push('[');
                        out.push_str(ascii);
                        out.push(']');
                    }
                }
                Some((_, 'b')) if !in_class => out.push_str("(?-u:\\b)"),
                Some((_, next)) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push('[');
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '{' if !in_class => {
                let after = &pattern[at + 1..];
                let name_len = after
                    .find(|c: char| !c.is_ascii_lowercase())
                    .unwrap_or(after.len());
                let expansion = (name_len > 0 && after[name_len..].starts_with('}'))
                    .then(|| placeholder(&after[..name_len]))
                    .flatten();
                match expansion {
                    Some(expansion) => {
                        out.push_str(&expand(&expansion));
                        for _ in 0..=name_len {
                            chars.next();
                        }
                    }
                    None => out.push('{'),
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Every rule family, in report order.
const FAMILIES: &[&[Rule]] = &[
    general::RULES,
    traces::RULES,
    frameworks::RULES,
    databases::RULES,
];

const COUNT: usize = {
    let mut n = 0;
    let mut f = 0;
    while f < FAMILIES.len() {
        n += FAMILIES[f].len();
        f += 1;
    }
    n
};

const fn concat<const N: usize>(families: &[&[Rule]]) -> [Rule; N] {
    let mut out = [BODY; N];
    let mut n = 0;
    let mut f = 0;
    while f < families.len() {
        let mut i = 0;
        while i < families[f].len() {
            out[n] = families[f][i];
            n += 1;
            i += 1;
        }
        f += 1;
    }
    out
}

const ALL: [Rule; COUNT] = concat(FAMILIES);

/// Every rule, in the order findings are reported.
pub const RULES: &[Rule] = &ALL;

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_expand_and_regex_braces_stay() {
        assert_eq!(
            expand(r"a{2,3}[{}]{sq}x"),
            r"a{2,3}[{}](?:'|&#39;|&#x27;|&apos;|\\u0027)x"
        );
        assert_eq!(expand("{nope}{"), "{nope}{");
        assert_eq!(
            expand(r"\w[\w.]\\w\b"),
            r"[0-9A-Za-z_][0-9A-Za-z_.]\\w(?-u:\b)"
        );
        assert!(regex::Regex::new(&expand("{q}{sq}{lt}{gt}{bs}{ws}{gap}")).is_ok());
    }
}
