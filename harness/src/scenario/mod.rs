//! Scenario files: discovery, parsing and validation. No I/O beyond reading the files;
//! every problem becomes a `ScenarioError` that points at file, line and column.

mod classes;
mod error;
mod expect;
mod load;
mod model;
mod select;
mod step;
mod tracker;
mod validate;

use std::path::{Path, PathBuf};

pub use classes::{Classes, FailureClass};
pub use error::ScenarioError;
pub use expect::{Expect, ProcessExitExpect, SIGNALS, signal_name};
pub use load::{LoadSpec, MOST_REQUESTS as MOST_LOAD_REQUESTS};
pub use model::{
    BackendName, Difficulty, Expectations, Invariant, ModeName, Notes, PerMode, Scenario, Startup,
    Upstream,
};
pub use select::{SelectError, select};
pub use step::{Action, RequestSpec, Sending, Step};
pub use tracker::{TRACKER_SETTLE_MS, TrackerExpect, TrackerTable};
pub use validate::suggest;

/// What a scenario may name beyond the file format itself: the failure classes of its
/// folder, the settings the app it runs against accepts (its `[app]` keys), and the one
/// of them a `[tracker]` table sets (the DSN), which `[app]` may then not set too.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    pub classes: Classes,
    pub app_settings: Vec<String>,
    pub tracker_setting: Option<String>,
}

/// A scenarios folder as loaded: its valid scenarios, its failure classes, and every
/// problem found (in any file, the classes file included).
#[derive(Debug, Default)]
pub struct Folder {
    pub scenarios: Vec<Scenario>,
    pub vocabulary: Vocabulary,
    pub errors: Vec<ScenarioError>,
}

/// Every `*.toml` under `root` but the classes file at its top, sorted, as paths relative
/// to `root`.
pub fn discover(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
                if relative != Path::new(classes::FILE_NAME) {
                    files.push(relative);
                }
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Parses and validates one scenario from its text. `display_path` is what errors show.
pub fn parse(
    display_path: &str,
    text: &str,
    vocabulary: &Vocabulary,
) -> Result<Scenario, Vec<ScenarioError>> {
    let mut scenario: Scenario = toml::from_str(text).map_err(|e| {
        let (message, hint) = error::explain_toml_error(e.message());
        vec![ScenarioError::at(
            display_path,
            text,
            e.span(),
            message,
            hint,
        )]
    })?;
    scenario.file = display_path.to_string();
    let problems = validate::check(&scenario, vocabulary, display_path, text);
    if !problems.is_empty() {
        return Err(problems);
    }
    scenario.steps = std::mem::take(&mut scenario.step_tables)
        .into_iter()
        .map(|table| table.into_inner().into_step())
        .collect();
    Ok(scenario)
}

/// Loads the folder's failure classes and every scenario under `root`, checking their
/// `[app]` keys against `app_settings` (and that none sets `tracker_setting` beside a
/// `[tracker]` table). Returns the good scenarios and every error found (including
/// duplicate ids across files), so one bad file does not hide the others.
pub fn load_all(
    root: &Path,
    app_settings: Vec<String>,
    tracker_setting: Option<String>,
) -> Result<Folder, std::io::Error> {
    let files = discover(root)?;
    let classes = match Classes::load(root) {
        Ok(classes) => classes,
        Err(errors) => {
            return Ok(Folder {
                errors,
                ..Folder::default()
            });
        }
    };
    let vocabulary = Vocabulary {
        classes,
        app_settings,
        tracker_setting,
    };
    let mut scenarios: Vec<Scenario> = Vec::new();
    let mut errors = Vec::new();
    for relative in files {
        let path = root.join(&relative);
        let display = path.display().to_string();
        let text = std::fs::read_to_string(&path)?;
        match parse(&display, &text, &vocabulary) {
            Ok(mut scenario) => {
                scenario.file = relative.display().to_string();
                if let Some(first) = scenarios
                    .iter()
                    .find(|s| s.id.get_ref() == scenario.id.get_ref())
                {
                    errors.push(ScenarioError::at(
                        &display,
                        &text,
                        Some(scenario.id.span()),
                        format!("duplicate scenario id `{}`", scenario.id.get_ref()),
                        Some(format!(
                            "`{}` already uses it; ids must be unique.",
                            first.file
                        )),
                    ));
                } else {
                    scenarios.push(scenario);
                }
            }
            Err(mut problems) => errors.append(&mut problems),
        }
    }
    Ok(Folder {
        scenarios,
        vocabulary,
        errors,
    })
}

impl Scenario {
    pub fn id(&self) -> &str {
        self.id.get_ref()
    }

    pub fn class(&self) -> &str {
        self.class.get_ref()
    }

    /// The app settings as text, in file order of keys.
    pub fn app_settings(&self) -> Vec<(String, String)> {
        self.app
            .iter()
            .map(|(key, value)| {
                let text = match value {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (key.get_ref().clone(), text)
            })
            .collect()
    }

    /// Everything the scenario waits on purpose: its `sleep_ms` steps, the largest request
    /// delay of each step, the timeouts it expects to expire (`no_response = "timed out"`),
    /// and `deliberate_wait_ms`.
    pub fn declared_wait_ms(&self) -> u64 {
        let steps: u64 = self
            .steps
            .iter()
            .map(|step| {
                let expects_timeout = [&step.expect, &step.dev, &step.prod, &step.bare]
                    .iter()
                    .any(|e| {
                        e.no_response
                            .as_deref()
                            .is_some_and(|text| text.starts_with("timed out"))
                    });
                match &step.action {
                    Action::Sleep { ms } => *ms,
                    Action::Parallel(requests) => {
                        requests.iter().map(|r| r.delay_ms).max().unwrap_or(0)
                    }
                    Action::Request { request, .. } => {
                        request.timeout_ms.filter(|_| expects_timeout).unwrap_or(0)
                    }
                    // The probe (the run's first load step's) and the load itself, whose
                    // slowest requests wait for the clients' timeout.
                    Action::Load { load, .. } => {
                        load.probe_ms + load.seconds * 1000 + load.timeout_ms
                    }
                    // The pause for a stray event before the reading.
                    Action::Tracker { .. } => TRACKER_SETTLE_MS,
                    _ => 0,
                }
            })
            .sum();
        steps + self.deliberate_wait_ms
    }

    /// Whether the scenario runs in this mode on this backend.
    pub fn runs_in(&self, mode: ModeName, backend: BackendName) -> bool {
        let modes = self.modes.as_deref().unwrap_or(&ModeName::ALL);
        modes.contains(&mode) && self.backends.contains(&backend)
    }

    /// Whether the file says what `mode` answers. Dev and prod are the lab's two policies
    /// and every scenario describes them. Bare came later: a scenario describes it with a
    /// `[steps.bare]` or `[startup.bare]` table, or by listing `bare` in `modes` (the shared
    /// `[steps.expect]` tables then hold for bare as they are). A bare run of a scenario
    /// that does neither fails with a reason saying so, rather than passing on nothing.
    pub fn describes(&self, mode: ModeName) -> bool {
        match mode {
            ModeName::Dev | ModeName::Prod => true,
            ModeName::Bare => {
                self.startup.bare.is_some()
                    || self.modes.as_ref().is_some_and(|m| m.contains(&mode))
                    || self.steps.iter().any(|step| !step.bare.is_empty())
            }
        }
    }
}
