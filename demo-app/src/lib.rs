//! Crash Course Books: the lab's deliberately flawed bookshop service.
//!
//! Every flaw is marked `DELIBERATE (<failure class>)` where it lives. Everything else
//! (settings, the prod renderer, the middleware, ops auth, input parsing) is meant to be
//! correct, safe code.

pub mod agent_traffic;
pub mod build_info;
pub mod calendar;
pub mod cli;
pub mod client_address;
pub mod connect_error;
pub mod converter;
pub mod correlation;
pub mod db;
pub mod error;
pub mod error_groups;
pub mod error_policy;
pub mod flaw;
pub mod fx;
pub mod fx_breaker;
pub mod fx_rates;
pub mod grouping;
pub mod input;
pub mod jobs;
pub mod json_text;
pub mod library_backtraces;
pub mod lock;
pub mod log_format;
pub mod log_writer;
pub mod media;
pub mod memory_limit;
pub mod metrics;
pub mod middleware;
pub mod open_files;
pub mod panics;
pub mod probing;
pub mod rate_limit;
pub mod release;
pub mod reload;
pub mod render;
pub mod report_cache;
pub mod request_context;
pub mod routes;
pub mod settings;
pub mod shedding;
pub mod single_statement;
pub mod sqlite_deadline;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod tls;
pub mod tracking;
