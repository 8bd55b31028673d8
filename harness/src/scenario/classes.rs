//! The failure classes a scenarios folder teaches: data, read from `classes.toml` next to
//! the scenarios (the lab's own list is `scenarios/classes.toml`). A folder of one's own,
//! say for a `--target` audit of another service, brings its own file; a folder without
//! one uses the lab's list, built into the harness.

use serde::Deserialize;
use toml::Spanned;

use super::ScenarioError;

/// The file's name, at the top of the scenarios folder.
pub const FILE_NAME: &str = "classes.toml";

/// The lab's own list (`scenarios/classes.toml`), for folders that bring none.
const LAB_CLASSES: &str = include_str!("../../../scenarios/classes.toml");

/// One failure class: a stable id, what really happens, and where the lesson is explained.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureClass {
    pub id: Spanned<String>,
    /// What really happens, in a line.
    pub title: String,
    /// Where the lesson is explained, e.g. `docs/failure-classes.md#crashunwrap-none`.
    #[serde(default)]
    pub docs: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassesFile {
    #[serde(default, rename = "class")]
    classes: Vec<FailureClass>,
}

/// The known failure classes, in file order.
#[derive(Debug, Clone, Default)]
pub struct Classes {
    list: Vec<FailureClass>,
}

impl Classes {
    /// The lab's own classes (`scenarios/classes.toml`, built in).
    pub fn lab() -> Classes {
        // A test keeps the built-in file valid.
        Classes::parse("scenarios/classes.toml", LAB_CLASSES).unwrap_or_default()
    }

    /// Reads `classes.toml` at the top of `root`, or the lab's list when there is none.
    pub fn load(root: &std::path::Path) -> Result<Classes, Vec<ScenarioError>> {
        let path = root.join(FILE_NAME);
        match std::fs::read_to_string(&path) {
            Ok(text) => Classes::parse(&path.display().to_string(), &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Classes::lab()),
            Err(e) => Err(vec![ScenarioError::at(
                &path.display().to_string(),
                "",
                None,
                format!("cannot read the failure classes: {e}"),
                None,
            )]),
        }
    }

    /// Parses a classes file; every problem points at its file, line and column.
    pub fn parse(display_path: &str, text: &str) -> Result<Classes, Vec<ScenarioError>> {
        let file: ClassesFile = toml::from_str(text).map_err(|e| {
            let (message, _) = super::error::explain_toml_error(e.message());
            vec![ScenarioError::at(
                display_path,
                text,
                e.span(),
                message,
                Some(
                    "Each class is a [[class]] table with `id`, `title` and optionally `docs`; \
                     see docs/scenario-format.md."
                        .into(),
                ),
            )]
        })?;
        let mut problems = Vec::new();
        for (index, class) in file.classes.iter().enumerate() {
            let id = class.id.get_ref();
            let well_formed = id.split_once('.').is_some_and(|(area, name)| {
                !area.is_empty()
                    && !name.is_empty()
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.".contains(&b))
            });
            if !well_formed {
                problems.push(ScenarioError::at(
                    display_path,
                    text,
                    Some(class.id.span()),
                    format!("failure class id `{id}` is not `<area>.<name>` in a-z 0-9 . -"),
                    Some("Write it like `crash.unwrap-none` or `db.deadlock`.".into()),
                ));
            }
            if file.classes[..index].iter().any(|c| c.id.get_ref() == id) {
                problems.push(ScenarioError::at(
                    display_path,
                    text,
                    Some(class.id.span()),
                    format!("failure class `{id}` is listed twice"),
                    Some("Ids must be unique: remove or rename one of them.".into()),
                ));
            }
        }
        if file.classes.is_empty() {
            problems.push(ScenarioError::at(
                display_path,
                text,
                None,
                "the file lists no failure class",
                Some("Add a [[class]] table with `id` and `title` for each class.".into()),
            ));
        }
        if problems.is_empty() {
            Ok(Classes { list: file.classes })
        } else {
            Err(problems)
        }
    }

    pub fn is_known(&self, id: &str) -> bool {
        self.get(id).is_some()
    }

    pub fn get(&self, id: &str) -> Option<&FailureClass> {
        self.list.iter().find(|class| class.id.get_ref() == id)
    }

    /// What really happens in the class `id`, if the list has it.
    pub fn describe(&self, id: &str) -> Option<&str> {
        self.get(id).map(|class| class.title.as_str())
    }

    /// The ids, in file order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(|class| class.id.get_ref().as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::{Classes, LAB_CLASSES};

    #[test]
    fn the_built_in_list_is_valid_and_follows_the_docs() {
        let classes =
            Classes::parse("scenarios/classes.toml", LAB_CLASSES).expect("a valid classes.toml");
        let docs = include_str!("../../../docs/failure-classes.md");
        let in_docs: Vec<&str> = docs
            .lines()
            .filter_map(|line| line.strip_prefix("## "))
            .filter(|heading| heading.contains('.') && !heading.contains(' '))
            .collect();
        let listed: Vec<&str> = classes.ids().collect();
        let mut sections = in_docs.clone();
        sections.sort_unstable();
        let mut sorted = listed.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted, sections,
            "classes.toml and the docs' sections differ"
        );
        for class in classes.list.iter() {
            let docs_link = class.docs.as_deref().unwrap_or("");
            let anchor = class.id.get_ref().replace('.', "");
            assert_eq!(
                docs_link,
                format!("docs/failure-classes.md#{anchor}"),
                "{} links to its section",
                class.id.get_ref()
            );
        }
    }

    #[test]
    fn a_malformed_class_file_is_located_with_a_hint() {
        let text = "[[class]]\nid = \"Crash\"\ntitle = \"t\"\n\n[[class]]\nid = \"a.b\"\ntitle = \"t\"\n[[class]]\nid = \"a.b\"\ntitle = \"t\"\n";
        let errors = Classes::parse("x/classes.toml", text).expect_err("malformed");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!((errors[0].line, errors[0].column), (2, 6));
        assert!(
            errors[0]
                .hint
                .as_deref()
                .unwrap_or("")
                .contains("crash.unwrap-none")
        );
        assert_eq!(errors[1].line, 9);
        let unknown = Classes::parse("x/classes.toml", "[[class]]\nid = \"a.b\"\nname = \"t\"\n")
            .expect_err("unknown key");
        assert_eq!(unknown[0].line, 3, "{}", unknown[0]);
        assert!(unknown[0].hint.is_some());
    }

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
        let classes = Classes::lab();
        let unmarked: Vec<&str> = classes
            .ids()
            .filter(|id| !sources.contains(&format!("DELIBERATE ({id})")))
            .collect();
        assert!(unmarked.is_empty(), "no DELIBERATE marker for {unmarked:?}");
    }
}
