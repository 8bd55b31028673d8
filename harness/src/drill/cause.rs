//! The checklist of causes a responder checks for a sudden rise in 5xx answers
//! (docs/incident-response.md): what `harness drill diagnose` takes. Public knowledge, shared
//! by the catalogue of incidents and by the autopilot, which must not see the catalogue.

use serde::Serialize;

/// The checklist's causes: what `harness drill diagnose` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// A recent deployment broke something: roll back.
    Deploy,
    /// The connection pool is exhausted by something holding its connections.
    Pool,
    /// Queries got slow and time out (data growth, a missing index).
    SlowQueries,
    /// An external dependency is down or slow.
    Upstream,
    /// More traffic than the service can take.
    Traffic,
    /// A setting changed, expired or went missing.
    Config,
}

impl Cause {
    pub const ALL: [Cause; 6] = [
        Cause::Deploy,
        Cause::Pool,
        Cause::SlowQueries,
        Cause::Upstream,
        Cause::Traffic,
        Cause::Config,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Cause::Deploy => "deploy",
            Cause::Pool => "pool",
            Cause::SlowQueries => "slow-queries",
            Cause::Upstream => "upstream",
            Cause::Traffic => "traffic",
            Cause::Config => "config",
        }
    }

    pub fn from_name(name: &str) -> Option<Cause> {
        Cause::ALL.into_iter().find(|cause| cause.name() == name)
    }
}
