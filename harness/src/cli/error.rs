//! The harness's one error type. Every command returns [`Outcome`]: a [`Verdict`] when it
//! ran to its end, an [`Error`] when it could not. `cli::main` prints the error once, with
//! its causes and hint, and [`exit_code`] is the only place a result becomes an exit code.

use std::process::ExitCode;

/// What a command that ran to its end concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every expectation met (scan: no finding; fuzz: nothing severe).
    Passed,
    /// An expectation failed (scan: a leak; fuzz: a severe bucket; audit: a failed control).
    Failed,
}

impl Verdict {
    pub fn failed_if(failed: bool) -> Self {
        if failed { Self::Failed } else { Self::Passed }
    }
}

/// Why a command could not do its work, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Exit 2: a flag, a file or a scenario the user gave is unusable; nothing was run.
    Usage,
    /// Exit 3: the command was fine but the world was not (the app could not start, a
    /// server was unreachable, a file could not be written).
    Runtime,
}

/// A command's error: what went wrong, what caused it, and what to do about it.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: Kind,
    message: String,
    help: Option<String>,
    #[source]
    cause: Option<Box<dyn std::error::Error + Send + Sync>>,
    /// The text is printed as it is: it carries its own `error:` lines (clap's usage
    /// errors, a list of malformed scenario files).
    preformatted: Option<Preformatted>,
}

#[derive(Debug)]
enum Preformatted {
    Text(String),
    Clap(clap::Error),
}

/// What every command returns.
pub type Outcome = Result<Verdict, Error>;

impl Error {
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }

    pub fn runtime(message: impl Into<String>) -> Self {
        Self::new(Kind::Runtime, message)
    }

    fn new(kind: Kind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            help: None,
            cause: None,
            preformatted: None,
        }
    }

    /// Text that already says everything, `error:` lines included.
    pub fn preformatted(kind: Kind, text: String) -> Self {
        Self {
            preformatted: Some(Preformatted::Text(text)),
            ..Self::new(kind, String::new())
        }
    }

    /// clap's own usage error, printed by clap (with its colours and `--help` hint).
    pub fn clap(error: clap::Error) -> Self {
        Self {
            preformatted: Some(Preformatted::Clap(error)),
            ..Self::usage(String::new())
        }
    }

    /// What the user can do about it, printed as `= help:` under the error.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The error underneath, printed as `caused by:` lines (its own causes too).
    pub fn caused_by(mut self, cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        self.cause = Some(cause.into());
        self
    }

    /// The error as the user reads it on stderr.
    pub fn render(&self) -> String {
        match &self.preformatted {
            Some(Preformatted::Text(text)) => return text.clone(),
            Some(Preformatted::Clap(error)) => return error.render().to_string(),
            None => {}
        }
        let mut text = format!("error: {}", self.message);
        let mut cause = std::error::Error::source(self);
        while let Some(error) = cause {
            text.push_str(&format!("\n  caused by: {error}"));
            cause = error.source();
        }
        if let Some(help) = &self.help {
            text.push_str(&format!("\n  = help: {help}"));
        }
        text
    }

    /// Prints the error once, on stderr.
    pub fn print(&self) {
        match &self.preformatted {
            // clap knows whether stderr takes colours.
            Some(Preformatted::Clap(error)) => {
                let _ = error.print();
            }
            _ => eprintln!("{}", self.render()),
        }
    }
}

impl From<crate::scenario::SelectError> for Error {
    /// No scenario matches what the user asked for (the text names the near misses).
    fn from(error: crate::scenario::SelectError) -> Self {
        Self::usage(error.to_string())
    }
}

impl From<crate::fuzz::source::SourceError> for Error {
    fn from(error: crate::fuzz::source::SourceError) -> Self {
        use crate::fuzz::source::SourceError;
        match error {
            SourceError::Unusable(message) => Self::usage(message),
            SourceError::Unreachable(message) => Self::runtime(message),
        }
    }
}

/// The one mapping from a command's outcome to the process's exit code.
pub fn exit_code(outcome: &Outcome) -> ExitCode {
    ExitCode::from(match outcome {
        Ok(Verdict::Passed) => 0,
        Ok(Verdict::Failed) => 1,
        Err(error) => match error.kind {
            Kind::Usage => 2,
            Kind::Runtime => 3,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_its_causes_and_the_hint_are_printed_in_that_order() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied");
        let error = Error::runtime("could not write the report r.html")
            .caused_by(io)
            .with_help("pass --report a file in a folder you can write to");
        assert_eq!(
            error.render(),
            "error: could not write the report r.html\n  caused by: permission denied\n  = help: pass --report a file in a folder you can write to"
        );
    }

    #[test]
    fn each_kind_has_its_exit_code() {
        let codes = [
            exit_code(&Ok(Verdict::Passed)),
            exit_code(&Ok(Verdict::Failed)),
            exit_code(&Err(Error::usage("u"))),
            exit_code(&Err(Error::runtime("r"))),
        ];
        let expected = [0u8, 1, 2, 3].map(ExitCode::from);
        assert_eq!(format!("{codes:?}"), format!("{expected:?}"));
    }
}
