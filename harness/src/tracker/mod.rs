//! `harness tracker`: what an error tracker stored, read back as evidence. The tracker is a
//! second leak channel (an SDK set up carelessly ships secrets and customers' data to it even
//! when every HTTP response is clean) and its grouping decides what a team sees, so the
//! harness reads its issues and events through the tracker's API and judges them like a
//! response: each stored event is scanned with the leak rules and for e-mail addresses, and
//! carries the correlation id that leads to the response and the log line.
//!
//! The API is Bugsink's canonical one (`/api/canonical/0/`, bearer token): `projects/`,
//! `issues/?project=ID`, `events/?issue=ID` and `events/ID/` (the stored event), plus
//! `teams/` and `projects/` to make a run's project. `api` is the client, `evidence` the
//! judgement, `lab` the tracker scenario runs report to; nothing here prints.

mod api;
mod evidence;
pub mod lab;

pub use api::{Connection, Issue, Project, TrackerError};
pub use evidence::{EventEvidence, IssueEvidence, ProjectEvidence, emails_in};
pub use lab::{LabTracker, RunProject};

/// What to read.
#[derive(Debug, Clone)]
pub struct Options {
    /// A project's name or id.
    pub project: String,
    /// Stored events read per issue (the newest first); the issue's count is the tracker's.
    pub max_events_per_issue: usize,
}

/// Reads a project's issues and their stored events and judges every event.
pub async fn read(
    connection: &Connection,
    options: &Options,
) -> Result<ProjectEvidence, TrackerError> {
    let client = api::Client::new(connection)?;
    let project = client.project(&options.project).await?;
    let mut issues = Vec::new();
    for issue in client.issues(&project).await? {
        let mut events = Vec::new();
        for id in client
            .event_ids(&issue, options.max_events_per_issue)
            .await?
        {
            let stored = client.event(&id).await?;
            events.push(EventEvidence::judge(id, &stored));
        }
        issues.push(IssueEvidence { issue, events });
    }
    Ok(ProjectEvidence { project, issues })
}
