//! Building the application: database, state, HTTP server on a bound listener. Binding
//! before running means port 0 works and the real address is known up front.

use std::net::{SocketAddr, TcpListener};

use actix_web::dev::Server;
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;

use crate::db::Database;
use crate::error_groups::ErrorGroups;
use crate::fx::FxClient;
use crate::metrics::Metrics;
use crate::settings::Settings;
use crate::state::AppState;
use crate::{middleware, panics, routes, shedding};

pub struct Application {
    server: Server,
    address: SocketAddr,
    /// The error tracker's client, when `sentry_dsn` is set: flushed when the app stops.
    _tracker: Option<sentry::ClientInitGuard>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        panics::install_hook();
        let db = Database::connect(&settings).await?;
        let listener = TcpListener::bind(settings.bind)
            .with_context(|| format!("Failed to bind {}", settings.bind))?;
        let address = listener
            .local_addr()
            .context("Failed to read the bound address")?;
        let tracker = crate::tracking::init(&settings);
        let reports_errors = tracker.is_some();
        let workers = settings.workers;
        let mode = settings.mode;
        let fx = FxClient::new(&settings)?;
        let probing = crate::probing::ProbeWatch::new(settings.probing_threshold);
        let default_cover = crate::media::unpack_default_cover()?;
        let shedding = crate::shedding::Shedding::new(settings.max_in_flight);
        let state = web::Data::new(AppState {
            settings,
            db,
            metrics: Metrics::default(),
            errors: ErrorGroups::default(),
            fx,
            open_covers: std::sync::Mutex::new(Vec::new()),
            default_cover,
            release: crate::release::Release::new(),
            probing,
            shedding,
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .configure(|cfg| routes::configure(cfg, mode))
                // Inside `handle`, so a shed request is rendered, logged and counted like
                // every other answer.
                .wrap(from_fn(shedding::admit))
                .wrap(from_fn(middleware::handle))
                // The SDK's request hub, outermost so the app's middleware runs inside it.
                .wrap(Condition::new(
                    reports_errors,
                    crate::tracking::middleware(),
                ))
        })
        .workers(workers)
        .shutdown_timeout(2)
        .listen(listener)
        .context("Failed to start the HTTP server")?
        .run();
        Ok(Application {
            server,
            address,
            _tracker: tracker,
        })
    }

    /// The address actually listened on (the real port when the setting said 0).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Serves until the process is told to stop (SIGINT/SIGTERM: graceful shutdown).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
