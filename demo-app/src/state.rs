//! What every handler can reach: settings, database, counters, and the switches an
//! operator turns at run time.

use crate::db::Database;
use crate::error_groups::ErrorGroups;
use crate::fx_rates::FxRates;
use crate::metrics::Metrics;
use crate::settings::{Recipe, Settings};

#[derive(Debug)]
pub struct AppState {
    /// As start-up read them (`POST /ops/reload` applies its changes where they are used:
    /// the FX client).
    pub settings: Settings,
    pub db: Database,
    pub metrics: Metrics,
    pub errors: ErrorGroups,
    /// The FX upstream behind its circuit breaker (`POST /ops/fx-breaker`).
    pub fx: FxRates,
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
    /// Per-agent rate limits: `POST /ops/rate-limit`.
    pub rate_limits: crate::rate_limit::RateLimits,
    /// The background jobs (`catalogue-sync`): `POST /ops/jobs/{name}`.
    pub jobs: crate::jobs::Jobs,
    /// Where `/reports/sales` answers come from: `POST /ops/reports`.
    pub reports: crate::report_cache::ReportCache,
    /// How to read the settings again: `POST /ops/reload`.
    pub reloader: crate::reload::Reloader,
}

impl AppState {
    /// The state of a freshly started app on `db`; `recipe` is how `settings` were read.
    pub fn new(settings: Settings, db: Database, recipe: Recipe) -> anyhow::Result<AppState> {
        Ok(AppState {
            fx: FxRates::new(&settings)?,
            metrics: Metrics::default(),
            errors: ErrorGroups::default(),
            open_covers: std::sync::Mutex::new(Vec::new()),
            default_cover: crate::media::unpack_default_cover()?,
            probing: crate::probing::ProbeWatch::new(settings.probing_threshold),
            release: crate::release::Release::new(),
            shedding: crate::shedding::Shedding::new(settings.max_in_flight),
            rate_limits: crate::rate_limit::RateLimits::default(),
            jobs: crate::jobs::Jobs::new(db.pool.clone(), settings.pool_max_connections),
            reports: crate::report_cache::ReportCache::default(),
            reloader: crate::reload::Reloader::new(recipe, &settings),
            settings,
            db,
        })
    }
}
