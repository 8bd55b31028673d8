//! What every handler can reach: settings, database, counters.

use crate::db::Database;
use crate::error_groups::ErrorGroups;
use crate::fx::FxClient;
use crate::metrics::Metrics;
use crate::settings::Settings;

#[derive(Debug)]
pub struct AppState {
    pub settings: Settings,
    pub db: Database,
    pub metrics: Metrics,
    pub errors: ErrorGroups,
    pub fx: FxClient,
    /// Cover files kept open "for speed" (resource.file-handles); `/ops/reset` closes them.
    pub open_covers: std::sync::Mutex<Vec<std::fs::File>>,
    /// The default cover on disk, unpacked from the binary at start-up (`media`).
    pub default_cover: std::path::PathBuf,
    /// Error answers per client, to notice a fuzzer (`probing`).
    pub probing: crate::probing::ProbeWatch,
    /// The release serving traffic (release.bad-deploy): switched by `POST /ops/release`.
    pub release: crate::release::Release,
    /// The in-flight limit (resource.overload): `max_in_flight`, `POST /ops/shedding`.
    pub shedding: crate::shedding::Shedding,
}
