//! `harness new CLASS NAME`: writes a commented scenario file that validates and runs as
//! it is, so an attendee starts from a working loop (write, run, read) and edits from there.

use std::path::Path;

use super::error::{Error, Outcome, Verdict};
use super::paste;
use crate::scenario;

/// `scenarios_flag` is the `--scenarios DIR` the user gave, if any: the printed commands
/// carry it, so they run as pasted.
pub fn run(root: &Path, scenarios_flag: Option<&Path>, class: &str, name: &str) -> Outcome {
    let (file, id) = write(root, class, name)?;
    outln!("wrote {}", file.display());
    outln!("  next: edit the request and the expectations (docs/scenario-format.md)");
    outln!("  run it: {}", paste::run_command(&id, scenarios_flag));
    if paste::is_the_labs_folder(root) {
        outln!(
            "  then accept its snapshots: INSTA_UPDATE=always cargo test -p harness --test snapshots"
        );
    } else {
        // The snapshot test globs the checkout's scenarios/ folder only.
        outln!(
            "  snapshots: none here; the lab's snapshot test covers only its own scenarios/ folder, so `run` is this file's check"
        );
    }
    Ok(Verdict::Passed)
}

/// The user's input is wrong: what, and what to do instead.
fn usage(message: String, hint: String) -> Error {
    Error::usage(message).with_help(hint)
}

fn write(root: &Path, class: &str, name: &str) -> Result<(std::path::PathBuf, String), Error> {
    let vocabulary = crate::app::vocabulary(root).map_err(|errors| {
        let first = errors.first().map_or(String::new(), ToString::to_string);
        usage(
            format!("the folder's failure classes are malformed:\n{first}"),
            "Fix its classes.toml (docs/scenario-format.md).".to_string(),
        )
    })?;
    let classes = &vocabulary.classes;
    if !classes.is_known(class) {
        return Err(usage(
            format!("unknown failure class `{class}`"),
            scenario::suggest(class, classes.ids(), "failure classes"),
        ));
    }
    let valid_name = !name.is_empty()
        && name.len() <= 48
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-');
    if !valid_name {
        return Err(usage(
            format!("`{name}` cannot name a scenario file"),
            "Use lower-case letters, digits and dashes, e.g. `empty-cart`.".to_string(),
        ));
    }
    let folder = class.split('.').next().unwrap_or(class);
    let relative = format!("{folder}/{name}.toml");
    let file = root.join(&relative);
    if file.exists() {
        return Err(usage(
            format!("{} exists already", file.display()),
            "Pick another name, or edit that file.".to_string(),
        ));
    }
    let id = format!("{class}.{name}");
    let text = template(
        class,
        classes.describe(class).unwrap_or_default(),
        &id,
        name,
    );
    // The template must be a valid scenario: a broken one would be this command's bug.
    if let Err(errors) = scenario::parse(&relative, &text, &vocabulary) {
        let first = errors.first().map_or(String::new(), ToString::to_string);
        return Err(Error::runtime(format!(
            "the scenario template does not validate (a harness bug): {first}"
        )));
    }
    if let Ok(existing) = crate::app::load_scenarios(root)
        && existing.scenarios.iter().any(|s| s.id() == id)
    {
        return Err(usage(
            format!("a scenario with the id `{id}` exists already"),
            "Pick another name.".to_string(),
        ));
    }
    let create = std::fs::create_dir_all(root.join(folder)).and_then(|()| {
        // `create_new` never overwrites, even if the file appeared since the check above.
        use std::io::Write as _;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&file)?
            .write_all(text.as_bytes())
    });
    create.map_err(|e| Error::runtime(format!("cannot write {}: {e}", file.display())))?;
    Ok((file, id))
}

fn template(class: &str, what: &str, id: &str, name: &str) -> String {
    let title = {
        let words = name.replace('-', " ");
        let mut chars = words.chars();
        chars.next().map_or(String::new(), |first| {
            first.to_uppercase().chain(chars).collect()
        })
    };
    format!(
        r#"# A scenario for {class}: {what}.
# The format, with every key: docs/scenario-format.md. The class: docs/failure-classes.md.
# As written it only fetches a book; replace the step with the request that fails.
id = "{id}"
class = "{class}"
title = "{title}"
summary = "One sentence: which request, and what goes wrong."
difficulty = "beginner"
cwe = ["CWE-209"]
# backends = ["sqlite"]      # both SQLite and PostgreSQL unless you say otherwise

[notes]
notice = "What the room should see in the dev response, and what prod answers instead."
why = "Why this failure matters in production."
fix = "How to fix the flaw in demo-app."

# demo-app settings for this run (`cargo run -p demo-app -- --help` lists them):
# [app]
# pool_max_connections = 2

[[steps]]
name = "the request that fails"
method = "GET"
path = "/books/1"

# Every mode. Once the modes answer differently, move `status` into their tables.
[steps.expect]
status = 200

# dev only: what it leaks (`cargo run -p harness -- rules` lists the rule ids).
# [steps.dev]
# status = 500
# leaks = ["rust.panic-message", "rust.source-location"]

# prod only: a problem+json with nothing leaked, and the detail in the log instead.
[steps.prod]
no_leaks = true
# status = 500
# content_type = "application/problem+json"
# log_contains = ["panicked"]

# bare only (`--mode bare` or `--mode all`): actix-web's own defaults, no correlation id.
# A panic drops the connection (`no_response = "connection dropped"`); an error answers
# its own text as text/plain. Without a [steps.bare] table a bare run fails, saying so.
[steps.bare]
headers_absent = ["x-request-id"]
# no_response = "connection dropped"
"#
    )
}
