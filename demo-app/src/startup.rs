//! Building the application: database, state, HTTP server on a bound listener. Binding
//! before running means port 0 works and the real address is known up front.

use std::net::{SocketAddr, TcpListener};

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;

use crate::db::Database;
use crate::settings::{Recipe, Settings};
use crate::state::AppState;
use crate::{middleware, panics, rate_limit, routes, shedding};

pub struct Application {
    server: Server,
    address: SocketAddr,
    /// The error tracker's client, when `sentry_dsn` is set: flushed when the app stops.
    _tracker: Option<sentry::ClientInitGuard>,
}

impl Application {
    /// `recipe` is how `settings` were read (`POST /ops/reload` reads them again).
    pub async fn build(settings: Settings, recipe: Recipe) -> anyhow::Result<Application> {
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
        let state = web::Data::new(AppState::new(settings, db, recipe)?);
        let server = HttpServer::new(move || app(state.clone(), reports_errors))
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

/// The application each worker serves: the routes of the state's mode inside the
/// middleware, innermost first. `reports_errors` wraps it in the error tracker's request
/// hub. (The benches serve this same app in-process.)
pub fn app(
    state: web::Data<AppState>,
    reports_errors: bool,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let mode = state.settings.mode;
    App::new()
        .app_data(state)
        .configure(|cfg| routes::configure(cfg, mode))
        // Both inside `handle`, so a shed or rate-limited request is rendered,
        // logged and counted like every other answer; the rate limit first, so a
        // limited request never takes an in-flight place.
        .wrap(from_fn(shedding::admit))
        .wrap(from_fn(rate_limit::limit))
        .wrap(from_fn(middleware::handle))
        // The SDK's request hub, outermost so the app's middleware runs inside it.
        .wrap(Condition::new(
            reports_errors,
            crate::tracking::middleware(),
        ))
}
